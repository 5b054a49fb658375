import { applyDkim } from '../../dkim/apply-dkim';
import { isRawMail, MailSendError, MailToSend, MailTransport, SendResult } from './mail-transport';
import { toRawMail } from './mime';
import { smtpOptions } from './smtp/smtp-options';
import { SmtpPool } from './smtp/smtp-pool';

/**
 * SMTP through Vestnik's pipelined connection pool (src/mail/transport/smtp). Messages are
 * sent as prebuilt bytes: bulletins come from their MIME skeleton, other messages are composed
 * by nodemailer's MailComposer here, and DKIM signs either before sending.
 */
export class SmtpTransport extends MailTransport {
  readonly name = 'smtp';
  private readonly pool: SmtpPool;

  constructor(smtpUrl: string, maxConnections: number) {
    super();
    this.pool = new SmtpPool(smtpOptions(smtpUrl, maxConnections));
  }

  async send(mail: MailToSend): Promise<SendResult> {
    try {
      // A bulletin message is built and unsigned: straight to the pool, without two awaits.
      const raw = isRawMail(mail) && !mail.dkim ? mail : await toRawMail(await applyDkim(mail));
      const response = await this.pool.send({ from: raw.envelope.from, to: raw.envelope.to, data: raw.raw, wireReady: raw.wireReady });
      return { messageId: raw.messageId, response };
    } catch (error) {
      throw MailSendError.from(error);
    }
  }

  async close(): Promise<void> {
    this.pool.close();
  }
}
