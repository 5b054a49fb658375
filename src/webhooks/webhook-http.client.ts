import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { assertLiteralAllowed, ForbiddenAddressError, guardedLookup } from './ssrf-guard';

export interface WebhookPostResult {
  /** HTTP status, or null when no answer came (refused, timeout, DNS). */
  status: number | null;
  error: string | null;
  /** True when retrying cannot help (address refused by the SSRF guard). */
  permanent: boolean;
}

/** POSTs JSON to webhook URLs through agents whose DNS lookup refuses internal addresses. */
export class WebhookHttpClient {
  private readonly httpAgent: HttpAgent;
  private readonly httpsAgent: HttpsAgent;

  constructor(
    private readonly allowPrivate: boolean,
    private readonly timeoutMs: number,
  ) {
    const lookup = guardedLookup(allowPrivate);
    this.httpAgent = new HttpAgent({ keepAlive: true, maxSockets: 50, lookup });
    this.httpsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 50, lookup });
  }

  async post(url: string, body: string, headers: Record<string, string>): Promise<WebhookPostResult> {
    try {
      const target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:') {
        return { status: null, error: 'url must be http or https', permanent: true };
      }
      assertLiteralAllowed(target.hostname, this.allowPrivate);
      const status = await this.send(target, body, headers);
      return { status, error: status >= 200 && status < 300 ? null : `HTTP ${status}`, permanent: false };
    } catch (error) {
      const refused = error instanceof ForbiddenAddressError;
      return { status: null, error: describe(error), permanent: refused };
    }
  }

  private send(target: URL, body: string, headers: Record<string, string>): Promise<number> {
    const isHttps = target.protocol === 'https:';
    const request = isHttps ? httpsRequest : httpRequest;
    return new Promise<number>((resolve, reject) => {
      const req = request(target, {
        method: 'POST',
        agent: isHttps ? this.httpsAgent : this.httpAgent,
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      req.on('response', (res) => {
        // The answer's body is not needed; drain it so the socket can be reused.
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }
}

function describe(error: unknown): string {
  if (error instanceof ForbiddenAddressError) return error.message;
  const e = error as { name?: string; code?: string; message?: string };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return 'timeout';
  return (e.code ? `${e.code}: ` : '') + String(e.message ?? error).slice(0, 300);
}
