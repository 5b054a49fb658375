import type { SendMailOptions } from 'nodemailer';
import MailComposer from 'nodemailer/lib/mail-composer';
import { isRawMail, MailToSend, OutgoingMail, RawOutgoingMail } from './mail-transport';

const HEADER_BREAKS = /[\r\n\0]/g;

/** Belt and braces: input validation already refuses CR/LF/NUL, but no header may ever carry one. */
export const headerSafe = (value: string): string => value.replace(HEADER_BREAKS, ' ');

/** nodemailer options for one message; never lets a template reach files or URLs on the host. */
export function toNodemailerOptions(mail: MailToSend): SendMailOptions {
  const safety = { disableFileAccess: true, disableUrlAccess: true };
  if (isRawMail(mail)) {
    return { ...safety, envelope: mail.envelope, raw: mail.raw, messageId: mail.messageId };
  }
  const headers: Record<string, { prepared: true; value: string }> = {};
  for (const [name, value] of Object.entries(mail.headers)) {
    // Prepared: written as is, so a URL is never folded or encoded (keeps DKIM and one-click intact).
    headers[headerSafe(name)] = { prepared: true, value: headerSafe(value) };
  }
  const from =
    typeof mail.from === 'string'
      ? headerSafe(mail.from)
      : { name: headerSafe(mail.from.name), address: headerSafe(mail.from.address) };
  return {
    ...safety,
    from,
    to: headerSafe(mail.to),
    replyTo: mail.replyTo ? headerSafe(mail.replyTo) : undefined,
    subject: headerSafe(mail.subject),
    html: mail.html,
    text: mail.text,
    messageId: headerSafe(mail.messageId),
    headers,
    // No `dkim` here: transports sign with src/dkim (nodemailer's signer knows RSA only).
  };
}

/** Builds the RFC 5322 source of a message (what SMTP would carry). */
export function composeRaw(mail: OutgoingMail): Promise<Buffer> {
  const node = new MailComposer(
    toNodemailerOptions(mail) as ConstructorParameters<typeof MailComposer>[0],
  ).compile();
  node.keepBcc = false;
  return node.build();
}

const addressOf = (value: string) => {
  const match = /<([^<>]+)>\s*$/.exec(value);
  return (match ? match[1] : value).trim();
};

/** The message as bytes plus its SMTP envelope (sender and recipient addresses). */
export async function toRawMail(mail: MailToSend): Promise<RawOutgoingMail> {
  if (isRawMail(mail)) return mail;
  const from = typeof mail.from === 'string' ? addressOf(mail.from) : mail.from.address;
  return { raw: await composeRaw(mail), envelope: { from, to: [addressOf(mail.to)] }, messageId: mail.messageId, dkim: mail.dkim };
}
