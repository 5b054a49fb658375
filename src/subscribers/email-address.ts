import { domainToASCII } from 'node:url';

export interface NormalizedEmail {
  /** For sending: trimmed, local part as given, domain lower-cased and in punycode. */
  email: string;
  /** For matching: the whole address lower-cased. */
  normalized: string;
}

export type EmailCheck = { ok: true; value: NormalizedEmail } | { ok: false; reason: string };

// RFC 5321 dot-atom local part. Quoted local parts and non-ASCII (SMTPUTF8) local parts are
// refused: many receiving servers cannot take them, and they are a common injection vector.
const ATEXT = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Checks and normalises an address the way RFC 5321 would deliver it; never throws. */
export function checkEmail(input: unknown): EmailCheck {
  if (typeof input !== 'string') return { ok: false, reason: 'email must be a string' };
  // Checked before trimming, because trim() would silently remove a trailing CR/LF.
  if (/[\r\n\0]/.test(input))
    return { ok: false, reason: 'email must not contain line breaks or NUL' };
  const trimmed = input.trim();
  if (!trimmed) return { ok: false, reason: 'email is empty' };
  if (/\s/.test(trimmed)) return { ok: false, reason: 'email must not contain spaces' };
  const at = trimmed.indexOf('@');
  if (at < 0) return { ok: false, reason: 'email must contain @' };
  if (trimmed.indexOf('@', at + 1) >= 0)
    return { ok: false, reason: 'email must contain exactly one @' };
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1);
  if (!local) return { ok: false, reason: 'email has an empty local part' };
  if (local.startsWith('"')) return { ok: false, reason: 'quoted local parts are not accepted' };
  if (!ATEXT.test(local))
    return { ok: false, reason: 'email local part has characters that are not allowed' };
  if (local.length > 64)
    return { ok: false, reason: 'email local part is longer than 64 characters' };
  if (!domain) return { ok: false, reason: 'email has an empty domain' };
  if (domain.startsWith('[')) return { ok: false, reason: 'address literals are not accepted' };
  const bare = domain.replace(/\.$/, '');
  // domainToASCII also percent-decodes and maps look-alikes; an ASCII domain must come out unchanged.
  const ascii = /%/.test(bare) ? '' : domainToASCII(bare);
  if (!ascii || (/^[\x21-\x7e]+$/.test(bare) && ascii !== bare.toLowerCase()))
    return { ok: false, reason: 'email domain is not a valid domain name' };
  const labels = ascii.split('.');
  if (labels.length < 2) return { ok: false, reason: 'email domain must have a dot' };
  if (!labels.every((label) => LABEL.test(label))) {
    return { ok: false, reason: 'email domain is not a valid domain name' };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1]))
    return { ok: false, reason: 'email domain is not a valid domain name' };
  if (ascii.length > 253) return { ok: false, reason: 'email domain is too long' };
  const email = `${local}@${ascii}`;
  if (email.length > 254) return { ok: false, reason: 'email is longer than 254 characters' };
  return { ok: true, value: { email, normalized: email.toLowerCase() } };
}
