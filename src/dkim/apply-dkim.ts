import { MailToSend } from '../mail/transport/mail-transport';
import { toRawMail } from '../mail/transport/mime';
import { signDkim } from './dkim-signer';

/**
 * Transports call this before sending: a message with a DKIM key is composed (if needed),
 * signed here, and sent as raw bytes. nodemailer's own signer is not used because it knows
 * RSA only and would not cover List-Unsubscribe-Post.
 */
export async function applyDkim(mail: MailToSend): Promise<MailToSend> {
  if (!mail.dkim) return mail;
  const { dkim, ...unsigned } = mail;
  const raw = await toRawMail(unsigned as MailToSend);
  return { raw: signDkim(raw.raw, dkim), envelope: raw.envelope, messageId: raw.messageId };
}
