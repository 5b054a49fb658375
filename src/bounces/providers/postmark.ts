import { ParsedBounce } from './parsed-bounce';

/** Postmark bounce types that mean the address is gone; other delivery problems count as soft. */
const HARD = new Set(['HardBounce', 'BadEmailAddress', 'ManuallyDeactivated']);
const SOFT = new Set(['SoftBounce', 'Transient', 'DnsError', 'Blocked', 'Unknown', 'SMTPApiError']);

/** Postmark's Bounce and SpamComplaint webhooks. Other record types are not bounces. */
export function parsePostmark(body: unknown): ParsedBounce[] {
  if (typeof body !== 'object' || body === null) return [];
  const b = body as Record<string, unknown>;
  const email = typeof b.Email === 'string' ? b.Email : undefined;
  const id = b.ID !== undefined ? String(b.ID) : undefined;
  const detail = [b.Description, b.Details].filter((v) => typeof v === 'string' && v).join(' ');
  const messageId = typeof b.MessageID === 'string' ? b.MessageID : undefined;
  if (b.RecordType === 'SpamComplaint' || b.Type === 'SpamComplaint') {
    return [{ email, messageId, type: 'complaint', reason: `SpamComplaint ${detail}`.trim(), providerEventId: id }];
  }
  if (b.RecordType !== 'Bounce' || typeof b.Type !== 'string') return [];
  const type = HARD.has(b.Type) ? 'hard' : SOFT.has(b.Type) ? 'soft' : null;
  if (!type) return [];
  return [{ email, messageId, type, reason: `${b.Type} ${detail}`.trim(), providerEventId: id }];
}
