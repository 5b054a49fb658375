import { createVerify, X509Certificate } from 'node:crypto';
import { bareMessageId, ParsedBounce } from './parsed-bounce';

export interface SnsMessage {
  Type: 'Notification' | 'SubscriptionConfirmation' | 'UnsubscribeConfirmation';
  MessageId: string;
  TopicArn: string;
  Message: string;
  Timestamp: string;
  SignatureVersion: string;
  Signature: string;
  SigningCertURL: string;
  Subject?: string;
  SubscribeURL?: string;
  Token?: string;
}

/** SNS signs from these hosts only; anything else is someone else's certificate. */
const SNS_HOST = /^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;

export function isSnsUrl(value: string | undefined, path?: RegExp): boolean {
  if (!value) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' && !url.port && !url.username && SNS_HOST.test(url.hostname) && (!path || path.test(url.pathname));
  } catch {
    return false;
  }
}

export const isSigningCertUrl = (value: string | undefined) => isSnsUrl(value, /^\/SimpleNotificationService-[A-Za-z0-9]+\.pem$/);

export function parseSnsMessage(body: unknown): SnsMessage | null {
  const value = typeof body === 'string' ? safeJson(body) : body;
  if (typeof value !== 'object' || value === null) return null;
  const m = value as Record<string, unknown>;
  const strings = ['Type', 'MessageId', 'TopicArn', 'Message', 'Timestamp', 'SignatureVersion', 'Signature', 'SigningCertURL'];
  if (!strings.every((key) => typeof m[key] === 'string')) return null;
  if (!['Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation'].includes(m.Type as string)) return null;
  return m as unknown as SnsMessage;
}

/** The canonical string SNS signs (AWS "Verifying the signatures of Amazon SNS messages"). */
export function snsStringToSign(m: SnsMessage): string {
  const keys =
    m.Type === 'Notification'
      ? ['Message', 'MessageId', ...(m.Subject !== undefined ? ['Subject'] : []), 'Timestamp', 'TopicArn', 'Type']
      : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
  return keys.map((key) => `${key}\n${(m as unknown as Record<string, string>)[key] ?? ''}\n`).join('');
}

export function verifySnsSignature(m: SnsMessage, certificatePem: string, now = new Date()): boolean {
  const algorithm = m.SignatureVersion === '1' ? 'RSA-SHA1' : m.SignatureVersion === '2' ? 'RSA-SHA256' : null;
  if (!algorithm) return false;
  try {
    const certificate = new X509Certificate(certificatePem);
    if (new Date(certificate.validTo) < now || new Date(certificate.validFrom) > now) return false;
    return createVerify(algorithm).update(snsStringToSign(m), 'utf8').verify(certificate.publicKey, m.Signature, 'base64');
  } catch {
    return false;
  }
}

interface SesRecipient {
  emailAddress?: string;
  status?: string;
  diagnosticCode?: string;
}

/** SES bounce and complaint notifications (both the notification and the event-publishing forms). */
export function parseSesNotification(message: string, snsMessageId: string): ParsedBounce[] {
  const n = safeJson(message) as Record<string, any> | null; // eslint-disable-line @typescript-eslint/no-explicit-any
  if (!n || typeof n !== 'object') return [];
  const kind = n.notificationType ?? n.eventType;
  const headers: { name?: string; value?: string }[] = Array.isArray(n.mail?.headers) ? n.mail.headers : [];
  const messageId = bareMessageId(
    n.mail?.commonHeaders?.messageId ?? headers.find((h) => h.name?.toLowerCase() === 'message-id')?.value,
  );
  if (kind === 'Bounce' && n.bounce) {
    const type = n.bounce.bounceType === 'Permanent' ? 'hard' : 'soft';
    const recipients: SesRecipient[] = Array.isArray(n.bounce.bouncedRecipients) ? n.bounce.bouncedRecipients : [];
    // The recipient's position, not its address, keys a retry: no address in stored ids.
    return recipients.map((r, i) => ({
      email: r.emailAddress,
      messageId,
      type,
      reason: [`${n.bounce.bounceType}/${n.bounce.bounceSubType ?? ''}`, r.status, r.diagnosticCode].filter(Boolean).join(' '),
      providerEventId: `${snsMessageId}:${i}`,
    }));
  }
  if (kind === 'Complaint' && n.complaint) {
    const recipients: SesRecipient[] = Array.isArray(n.complaint.complainedRecipients) ? n.complaint.complainedRecipients : [];
    return recipients.map((r, i) => ({
      email: r.emailAddress,
      messageId,
      type: 'complaint' as const,
      reason: `complaint: ${n.complaint.complaintFeedbackType ?? 'unspecified'}`,
      providerEventId: `${snsMessageId}:${i}`,
    }));
  }
  return [];
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
