import { isRawMail, MailToSend, RawOutgoingMail } from '../mail/transport/mail-transport';
import { composeRaw } from '../mail/transport/mime';
import { signDkim } from './dkim-signer';

const addressOf = (value: string) => {
  const match = /<([^<>]+)>\s*$/.exec(value);
  return (match ? match[1] : value).trim();
};

/**
 * Transports call this before sending: a message with a DKIM key is composed (if needed),
 * signed here, and sent as raw bytes. nodemailer's own signer is not used because it knows
 * RSA only and would not cover List-Unsubscribe-Post.
 */
export async function applyDkim(mail: MailToSend): Promise<MailToSend> {
  if (!mail.dkim) return mail;
  if (isRawMail(mail)) {
    const signed: RawOutgoingMail = { raw: signDkim(mail.raw, mail.dkim), envelope: mail.envelope, messageId: mail.messageId };
    return signed;
  }
  const { dkim, ...unsigned } = mail;
  const raw = await composeRaw(unsigned);
  const from = typeof mail.from === 'string' ? addressOf(mail.from) : mail.from.address;
  return { raw: signDkim(raw, dkim), envelope: { from, to: [addressOf(mail.to)] }, messageId: mail.messageId };
}
