import { simpleParser } from 'mailparser';
import { Repository } from 'typeorm';
import { DevMail } from '../dev-mail.entity';
import { applyDkim } from '../../dkim/apply-dkim';
import { isRawMail, MailSendError, MailToSend, MailTransport, SendResult } from './mail-transport';
import { composeRaw } from './mime';

/**
 * Development mailbox: "sends" by storing the complete message in PostgreSQL, so an api and a
 * worker process see the same box at /dev/mailbox. Used only outside production without SMTP_URL.
 */
export class DevMailboxTransport extends MailTransport {
  readonly name = 'dev-mailbox';

  constructor(private readonly box: Repository<DevMail>) {
    super();
  }

  async send(unsigned: MailToSend): Promise<SendResult> {
    try {
      const mail = await applyDkim(unsigned);
      const row = isRawMail(mail)
        ? await fromRaw(mail.raw, mail.envelope.to.join(', '))
        : {
            from:
              typeof mail.from === 'string'
                ? mail.from
                : `"${mail.from.name}" <${mail.from.address}>`,
            to: mail.to,
            subject: mail.subject,
            html: mail.html,
            text: mail.text,
            raw: (await composeRaw(mail)).toString('utf8'),
          };
      const saved = await this.box.save(this.box.create({ ...row, messageId: mail.messageId }));
      return {
        messageId: mail.messageId,
        response: `250 stored in the development mailbox as #${saved.id}`,
      };
    } catch (error) {
      throw new MailSendError('temporary', `Development mailbox: ${(error as Error).message}`);
    }
  }

  async close(): Promise<void> {}
}

async function fromRaw(
  raw: Buffer | string,
  to: string,
): Promise<Omit<DevMail, 'id' | 'messageId' | 'createdAt'>> {
  const parsed = await simpleParser(raw);
  return {
    from: parsed.from?.text ?? '',
    to,
    subject: parsed.subject ?? '',
    html: typeof parsed.html === 'string' ? parsed.html : null,
    text: parsed.text ?? null,
    raw: Buffer.isBuffer(raw) ? raw.toString('utf8') : raw,
  };
}
