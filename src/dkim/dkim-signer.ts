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

function splitHeader(headerText: string): HeaderField[] {
  const fields: HeaderField[] = [];
  for (const line of headerText.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1].raw += `\r\n${line}`;
    else if (line) fields.push({ name: line.slice(0, Math.max(0, line.indexOf(':'))).trim(), raw: line });
  }
  return fields;
}

/** Where the header ends and the body starts (a blank line; bare LF tolerated as SMTP will fix it). */
function bodyStart(raw: Buffer): { headerEnd: number; bodyAt: number } {
  const crlf = raw.indexOf('\r\n\r\n');
  const lf = raw.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { headerEnd: crlf, bodyAt: crlf + 4 };
  if (lf >= 0) return { headerEnd: lf, bodyAt: lf + 2 };
  return { headerEnd: raw.length, bodyAt: raw.length };
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

/**
 * RFC 6376 3.4.4 relaxed body canonicalization, in one pass over the bytes: runs of WSP become
 * one SP, WSP at line ends goes, trailing empty lines go, and the body ends with CRLF. (A
 * string-and-regex version cost 0.5 ms on a 70 KB bulletin; this is several times cheaper.)
 */
export function relaxedBodyBytes(body: Buffer): Buffer {
  // Bare LFs become CRLF, so the output may be up to twice as long.
  const out = Buffer.allocUnsafe(body.length * 2 + 2);
  let o = 0;
  let lineStart = 0;
  let keep = 0;
  let wsp = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x20 || c === 0x09) {
      wsp = true;
    } else if (c === 0x0a || (c === 0x0d && body[i + 1] === 0x0a)) {
      if (c === 0x0d) i++;
      wsp = false;
      const empty = o === lineStart;
      out[o++] = 0x0d;
      out[o++] = 0x0a;
      if (!empty) keep = o;
      lineStart = o;
    } else {
      if (wsp) {
        out[o++] = 0x20;
        wsp = false;
      }
      out[o++] = c;
    }
  }
  if (o > lineStart) {
    out[o++] = 0x0d;
    out[o++] = 0x0a;
    keep = o;
  }
  return out.subarray(0, keep);
}

export const relaxedBody = (body: string): string => relaxedBodyBytes(Buffer.from(body, 'latin1')).toString('latin1');

/**
 * Signs an RFC 5322 message (relaxed/relaxed, RSA-SHA256 or Ed25519-SHA256) and returns it with
 * the DKIM-Signature field in front. The message is expected with CRLF line ends (bare LF is
 * hashed as CRLF, which is what SMTP makes of it).
 */
export function signDkim(message: Buffer | string, options: DkimSignOptions, now = new Date()): Buffer {
  const checked = checkDkimPrivateKey(options.privateKey);
  if (!checked.ok) throw new Error(`DKIM key: ${checked.reason}`);
  const { key, algorithm } = checked.value;
  const raw = Buffer.isBuffer(message) ? message : Buffer.from(message, 'utf8');
  const { headerEnd, bodyAt } = bodyStart(raw);
  const fields = splitHeader(raw.subarray(0, headerEnd).toString('latin1'));
  const bodyHash = createHash('sha256').update(relaxedBodyBytes(raw.subarray(bodyAt))).digest('base64');
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
  return Buffer.concat([Buffer.from(`${unsigned}${folded}\r\n`, 'latin1'), raw]);
}
