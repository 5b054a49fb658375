import { createHash, sign } from 'node:crypto';
import { checkDkimPrivateKey } from './dkim-key';

/**
 * Signed headers. RFC 8058 asks for List-Unsubscribe and List-Unsubscribe-Post to be covered
 * for one-click unsubscribe to be offered; the rest are what DMARC receivers expect.
 */
export const DKIM_SIGNED_HEADERS = [
  'From',
  'To',
  'Subject',
  'Date',
  'Message-ID',
  'List-Id',
  'List-Unsubscribe',
  'List-Unsubscribe-Post',
  'Reply-To',
  'MIME-Version',
  'Content-Type',
] as const;

export interface DkimSignOptions {
  domainName: string;
  keySelector: string;
  privateKey: string;
}

interface HeaderField {
  name: string;
  /** The whole field as written, without the final CRLF. */
  raw: string;
}

const toCrlf = (text: string) => text.replace(/\r?\n/g, '\r\n');

function splitMessage(raw: string): { fields: HeaderField[]; headerText: string; body: string } {
  const end = raw.indexOf('\r\n\r\n');
  const headerText = end < 0 ? raw : raw.slice(0, end);
  const body = end < 0 ? '' : raw.slice(end + 4);
  const fields: HeaderField[] = [];
  for (const line of headerText.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1].raw += `\r\n${line}`;
    else if (line) fields.push({ name: line.slice(0, Math.max(0, line.indexOf(':'))).trim(), raw: line });
  }
  return { fields, headerText, body };
}

/** RFC 6376 3.4.2 relaxed header canonicalization. */
export function relaxedHeader(field: string): string {
  const colon = field.indexOf(':');
  const name = field.slice(0, colon).trim().toLowerCase();
  const value = field
    .slice(colon + 1)
    .replace(/\r\n/g, '')
    .replace(/[ \t]+/g, ' ')
    .trim();
  return `${name}:${value}`;
}

/** RFC 6376 3.4.4 relaxed body canonicalization. */
export function relaxedBody(body: string): string {
  const lines = body.split('\r\n').map((line) => line.replace(/[ \t]+/g, ' ').replace(/ $/, ''));
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines.length === 0 ? '' : `${lines.join('\r\n')}\r\n`;
}

/**
 * Signs an RFC 5322 message (relaxed/relaxed, RSA-SHA256 or Ed25519-SHA256) and returns it with
 * the DKIM-Signature field in front. Line ends are normalised to CRLF first, as SMTP will.
 */
export function signDkim(message: Buffer | string, options: DkimSignOptions, now = new Date()): Buffer {
  const checked = checkDkimPrivateKey(options.privateKey);
  if (!checked.ok) throw new Error(`DKIM key: ${checked.reason}`);
  const { key, algorithm } = checked.value;
  const raw = toCrlf(Buffer.isBuffer(message) ? message.toString('latin1') : Buffer.from(message, 'utf8').toString('latin1'));
  const { fields, body } = splitMessage(raw);

  const bodyHash = createHash('sha256').update(relaxedBody(body), 'latin1').digest('base64');
  // Each listed name once per instance present; instances are taken from the bottom up (RFC 6376 5.4.2).
  const signedNames: string[] = [];
  const signedFields: string[] = [];
  for (const name of DKIM_SIGNED_HEADERS) {
    const instances = fields.filter((f) => f.name.toLowerCase() === name.toLowerCase()).reverse();
    for (const instance of instances) {
      signedNames.push(name);
      signedFields.push(`${relaxedHeader(instance.raw)}\r\n`);
    }
  }
  const tags =
    `v=1; a=${algorithm}; c=relaxed/relaxed; d=${options.domainName}; s=${options.keySelector};\r\n` +
    `\tt=${Math.floor(now.getTime() / 1000)}; h=${signedNames.join(':')};\r\n\tbh=${bodyHash}; b=`;
  const unsigned = `DKIM-Signature: ${tags}`;
  const data = Buffer.from(signedFields.join('') + relaxedHeader(unsigned), 'latin1');
  const signature =
    algorithm === 'rsa-sha256'
      ? sign('sha256', data, key)
      : // RFC 8463: Ed25519 signs the SHA-256 hash of the canonicalized data.
        sign(null, createHash('sha256').update(data).digest(), key);
  const folded = signature.toString('base64').replace(/(.{72})(?=.)/g, '$1\r\n\t');
  return Buffer.from(`${unsigned}${folded}\r\n${raw}`, 'latin1');
}
