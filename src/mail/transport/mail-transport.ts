/** A mailbox with a display name; nodemailer encodes non-ASCII names (RFC 2047). */
export interface MailAddress {
  name: string;
  address: string;
}

/** DKIM key for one message; transports sign with src/dkim (RSA-SHA256 or Ed25519-SHA256). */
export interface DkimOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

/** A message the transport composes (MIME) itself. */
export interface OutgoingMail {
  from: MailAddress | string;
  to: string;
  replyTo?: string | null;
  subject: string;
  html: string;
  text: string;
  /** `<uuid@host>`, from MessageHeadersService. */
  messageId: string;
  /** Extra headers (List-Unsubscribe, List-Id, …); values must be single lines. */
  headers: Record<string, string>;
  dkim?: DkimOptions;
}

/** A prebuilt RFC 5322 message (CRLF line ends) and its SMTP envelope, sent as is. */
export interface RawOutgoingMail {
  raw: Buffer | string;
  envelope: { from: string; to: string[] };
  /** The Message-ID written inside `raw`, reported back as the result's messageId. */
  messageId: string;
  /** When set, the transport signs `raw` (src/dkim) before sending. */
  dkim?: DkimOptions;
  /**
   * `raw` is 7-bit ASCII with CRLF line ends, ends in CRLF, and no line of it starts with a dot,
   * so SMTP carries it byte for byte: no dot-stuffing scan, no UTF-8 encoding (bulletin skeletons).
   */
  wireReady?: boolean;
}

export type MailToSend = OutgoingMail | RawOutgoingMail;

export interface SendResult {
  messageId: string;
  /** The server's final answer, e.g. `250 2.0.0 Ok: queued as 4F2`. */
  response: string;
}

export const isRawMail = (mail: MailToSend): mail is RawOutgoingMail => 'raw' in mail;

/**
 * Where messages go. Injected by this abstract class; MailModule provides SMTP (SMTP_URL) or
 * the development mailbox. `send` throws MailSendError only.
 */
export abstract class MailTransport {
  /** `smtp` or `dev-mailbox`, for logs and health. */
  abstract readonly name: string;
  /** Sends one message; resolves once the server accepted it. Throws MailSendError. */
  abstract send(mail: MailToSend): Promise<SendResult>;
  /** Closes pooled connections (called on shutdown). */
  abstract close(): Promise<void>;
}

/** How to react: retry later, give up on this message, or fix the configuration (and retry). */
export type MailErrorKind = 'temporary' | 'permanent' | 'auth';

/** Why a send failed. `temporary`: retry with backoff; `permanent`: do not retry; `auth`: credentials/TLS. */
export class MailSendError extends Error {
  constructor(
    readonly kind: MailErrorKind,
    message: string,
    readonly responseCode: number | null = null,
    readonly response: string | null = null,
  ) {
    super(message);
    this.name = 'MailSendError';
  }

  /** Classifies a nodemailer / SMTP error. */
  static from(error: unknown): MailSendError {
    if (error instanceof MailSendError) return error;
    const e = (error ?? {}) as {
      code?: string;
      responseCode?: number;
      response?: string;
      message?: string;
    };
    const code = typeof e.responseCode === 'number' ? e.responseCode : null;
    const response = typeof e.response === 'string' ? e.response : null;
    const message = oneLine(response ?? e.message ?? String(error));
    return new MailSendError(classify(e.code, code), message, code, response);
  }
}

const AUTH_CODES = new Set([530, 534, 535, 538]);
const CONNECTION_CODES = new Set([
  'ECONNECTION',
  'ETIMEDOUT',
  'ESOCKET',
  'EDNS',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPROTOCOL',
]);

function classify(code: string | undefined, responseCode: number | null): MailErrorKind {
  if (
    code === 'EAUTH' ||
    code === 'ENOAUTH' ||
    code === 'ETLS' ||
    (responseCode !== null && AUTH_CODES.has(responseCode))
  ) {
    return 'auth';
  }
  if (responseCode !== null && responseCode >= 500) return 'permanent';
  if (responseCode !== null && responseCode >= 400) return 'temporary';
  if (code && CONNECTION_CODES.has(code)) return 'temporary';
  // A message nodemailer cannot build (EMESSAGE, EENVELOPE without a server answer) will not improve.
  if (code === 'EMESSAGE' || code === 'EENVELOPE') return 'permanent';
  return 'temporary';
}

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim().slice(0, 500);
