import { createHmac, timingSafeEqual } from 'node:crypto';
import { bareMessageId, classifyStatus, enhancedStatus, ParsedBounce } from './parsed-bounce';

/** Mailgun signs `timestamp + token` with the domain's webhook signing key. */
export function verifyMailgunSignature(signingKey: string, body: unknown, now = Date.now(), toleranceMs = 24 * 3600_000): boolean {
  const signature = (body as { signature?: Record<string, unknown> } | null)?.signature;
  if (!signature) return false;
  const { timestamp, token, signature: given } = signature;
  if (typeof timestamp !== 'string' || typeof token !== 'string' || typeof given !== 'string') return false;
  if (!/^\d{1,12}$/.test(timestamp) || Math.abs(now - Number(timestamp) * 1000) > toleranceMs) return false;
  const expected = Buffer.from(createHmac('sha256', signingKey).update(timestamp + token).digest('hex'));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** Mailgun's `failed` (permanent or temporary) and `complained` events. */
export function parseMailgun(body: unknown): ParsedBounce[] {
  const e = (body as { 'event-data'?: Record<string, any> } | null)?.['event-data']; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!e || typeof e !== 'object') return [];
  const email = typeof e.recipient === 'string' ? e.recipient : undefined;
  const messageId = bareMessageId(e.message?.headers?.['message-id']);
  const providerEventId = typeof e.id === 'string' ? e.id : undefined;
  if (e.event === 'complained') return [{ email, messageId, type: 'complaint', reason: 'complained', providerEventId }];
  if (e.event !== 'failed') return [];
  const status = e['delivery-status'] ?? {};
  const text = [status.code, status.message, status.description].filter(Boolean).join(' ');
  const code = enhancedStatus(text);
  // Mailgun's own verdict is "permanent"; our rule still keeps only bad-address answers as hard.
  const type = e.severity === 'permanent' && (code === null || classifyStatus(code) === 'hard') ? 'hard' : 'soft';
  return [{ email, messageId, type, reason: `${e.severity ?? ''} ${e.reason ?? ''} ${text}`.trim(), providerEventId }];
}
