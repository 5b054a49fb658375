import { BounceType } from '../bounce.entity';

/** What every intake format reduces to before the rules apply. */
export interface ParsedBounce {
  email?: string;
  messageId?: string;
  type: BounceType;
  reason: string;
  /** The provider's id of this notification (and recipient): retries of it count once. */
  providerEventId?: string;
}

/**
 * Enhanced status codes (RFC 3463): 5.1.x means the address itself is bad (no such user,
 * bad domain): a hard bounce. Every other failure may pass and counts as soft.
 */
export function classifyStatus(status: string | undefined | null): BounceType {
  return status && /^5\.1\.\d{1,3}$/.test(status.trim()) ? 'hard' : 'soft';
}

/** The enhanced status code inside an SMTP answer such as `550 5.1.1 <a@b>: User unknown`. */
export function enhancedStatus(text: string | undefined | null): string | null {
  const match = /\b([245]\.\d{1,3}\.\d{1,3})\b/.exec(text ?? '');
  return match ? match[1] : null;
}

/** `<id@host>` and `id@host` name the same message. */
export function bareMessageId(value: string | undefined | null): string | undefined {
  const bare = (value ?? '').trim().replace(/^<|>$/g, '').trim();
  return bare && bare.length <= 998 ? bare : undefined;
}
