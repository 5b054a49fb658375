import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';

export type DkimAlgorithm = 'rsa-sha256' | 'ed25519-sha256';

export interface DkimKey {
  key: KeyObject;
  algorithm: DkimAlgorithm;
  /** The TXT record to publish at `<selector>._domainkey.<domain>`. */
  dnsRecord: string;
}

export type DkimKeyCheck = { ok: true; value: DkimKey } | { ok: false; reason: string };

const MIN_RSA_BITS = 2048;
const MAX_RSA_BITS = 8192;
const cache = new Map<string, DkimKey>();

/**
 * Parses a PEM private key and accepts RSA of at least 2048 bits or Ed25519 (RFC 8463), the
 * two algorithms receivers verify today. Parsed keys are kept, so signing does not re-parse.
 */
export function checkDkimPrivateKey(pem: unknown): DkimKeyCheck {
  if (typeof pem !== 'string' || !pem.includes('PRIVATE KEY')) return { ok: false, reason: 'must be a PEM private key' };
  const cached = cache.get(pem);
  if (cached) return { ok: true, value: cached };
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    return { ok: false, reason: 'must be an unencrypted PEM private key' };
  }
  const spki = createPublicKey(key).export({ type: 'spki', format: 'der' });
  let value: DkimKey;
  if (key.asymmetricKeyType === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS || bits > MAX_RSA_BITS) {
      return { ok: false, reason: `RSA keys must have ${MIN_RSA_BITS} to ${MAX_RSA_BITS} bits (this one has ${bits})` };
    }
    value = { key, algorithm: 'rsa-sha256', dnsRecord: `v=DKIM1; k=rsa; p=${spki.toString('base64')}` };
  } else if (key.asymmetricKeyType === 'ed25519') {
    // RFC 8463: p= is the bare 32-byte public key, not the SPKI structure.
    value = { key, algorithm: 'ed25519-sha256', dnsRecord: `v=DKIM1; k=ed25519; p=${spki.subarray(-32).toString('base64')}` };
  } else {
    return { ok: false, reason: 'must be an RSA (2048 bits or more) or Ed25519 key' };
  }
  if (cache.size > 1000) cache.clear();
  cache.set(pem, value);
  return { ok: true, value };
}

/** The site columns for a DKIM input: undefined leaves them, null clears them. */
export function dkimColumns(
  dkim: { domain: string; selector: string; privateKey: string } | null | undefined,
): { dkimDomain?: string | null; dkimSelector?: string | null; dkimPrivateKey?: string | null } {
  if (dkim === undefined) return {};
  if (dkim === null) return { dkimDomain: null, dkimSelector: null, dkimPrivateKey: null };
  return { dkimDomain: dkim.domain.toLowerCase(), dkimSelector: dkim.selector.toLowerCase(), dkimPrivateKey: dkim.privateKey.trim() + '\n' };
}

/** The signing options of a site for MailTransport; undefined when it does not sign. */
export function siteDkimOptions(site: { dkimDomain: string | null; dkimSelector: string | null; dkimPrivateKey: string | null }) {
  return site.dkimDomain && site.dkimSelector && site.dkimPrivateKey
    ? { domainName: site.dkimDomain, keySelector: site.dkimSelector, privateKey: site.dkimPrivateKey }
    : undefined;
}
