import { Injectable } from '@nestjs/common';
import { get } from 'node:https';
import { isSigningCertUrl, isSnsUrl } from './providers/sns';

const MAX_CERT_BYTES = 16 * 1024;
const TIMEOUT_MS = 5000;

/** Plain HTTPS GET with a size cap; the URL has already been checked to be an SNS host. */
export function httpsGetText(url: string, maxBytes = MAX_CERT_BYTES): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get(url, { signal: AbortSignal.timeout(TIMEOUT_MS) }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        return reject(new Error(`HTTP ${res.statusCode} from ${url}`));
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) req.destroy(new Error('response too large'));
        else chunks.push(chunk);
      });
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/**
 * SNS signing certificates, fetched once per URL and kept. `fetch` and `confirm` are the only
 * network calls of SES intake; tests (and air-gapped deployments) replace them.
 */
@Injectable()
export class SnsCertificates {
  fetch: (url: string) => Promise<string> = httpsGetText;
  confirm: (subscribeUrl: string) => Promise<unknown> = (url) => httpsGetText(url, 64 * 1024);
  private readonly cache = new Map<string, Promise<string>>();

  certificate(url: string): Promise<string> {
    if (!isSigningCertUrl(url)) return Promise.reject(new Error('SigningCertURL is not an SNS certificate URL'));
    let pending = this.cache.get(url);
    if (!pending) {
      pending = this.fetch(url);
      this.cache.set(url, pending);
      pending.catch(() => this.cache.delete(url));
    }
    return pending;
  }

  /** Confirms a subscription only at an SNS host and only with the ConfirmSubscription action. */
  async confirmSubscription(subscribeUrl: string | undefined): Promise<boolean> {
    if (!subscribeUrl || !isSnsUrl(subscribeUrl, /^\/$/)) return false;
    if (new URL(subscribeUrl).searchParams.get('Action') !== 'ConfirmSubscription') return false;
    await this.confirm(subscribeUrl);
    return true;
  }
}
