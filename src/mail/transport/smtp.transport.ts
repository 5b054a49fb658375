import type { Transporter } from 'nodemailer';
import { createTransport } from 'nodemailer';
import { applyDkim } from '../../dkim/apply-dkim';
import { MailSendError, MailToSend, MailTransport, SendResult } from './mail-transport';
import { toNodemailerOptions } from './mime';

/** SMTP through one nodemailer pool: connections stay open between messages. */
export class SmtpTransport extends MailTransport {
  readonly name = 'smtp';
  private readonly transporter: Transporter;

  constructor(smtpUrl: string, maxConnections: number) {
    super();
    this.transporter = createTransport(pooledUrl(smtpUrl, maxConnections));
  }

  async send(mail: MailToSend): Promise<SendResult> {
    try {
      const info = await this.transporter.sendMail(toNodemailerOptions(await applyDkim(mail)));
      const rejected = (info.rejected ?? []) as unknown[];
      if (rejected.length > 0) {
        throw new MailSendError(
          'permanent',
          `Recipient rejected: ${String(info.response ?? '')}`,
          null,
          info.response ?? null,
        );
      }
      return {
        messageId: String(info.messageId ?? mail.messageId),
        response: String(info.response ?? ''),
      };
    } catch (error) {
      throw MailSendError.from(error);
    }
  }

  async close(): Promise<void> {
    this.transporter.close();
  }
}

/**
 * SMTP_URL plus pool settings. Query parameters already in the URL win, so an operator can tune
 * (e.g. `?maxMessages=100`). Timeouts are shorter than nodemailer's minutes-long defaults so a
 * dead server turns into a retryable error quickly.
 */
export function pooledUrl(smtpUrl: string, maxConnections: number): string {
  const url = new URL(smtpUrl);
  const defaults: Record<string, string> = {
    pool: 'true',
    maxConnections: String(maxConnections),
    maxMessages: '1000',
    connectionTimeout: '10000',
    greetingTimeout: '10000',
    socketTimeout: '60000',
  };
  for (const [key, value] of Object.entries(defaults)) {
    if (!url.searchParams.has(key)) url.searchParams.set(key, value);
  }
  return url.toString();
}
