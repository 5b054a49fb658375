import request from 'supertest';
import type { TestApp } from './test-app';

/**
 * A cookie-keeping client for the web console over plain HTTP: remembers cookies the way a
 * browser does (path /console) and reads the CSRF token out of the last page.
 */
export class ConsoleClient {
  private cookies = new Map<string, string>();
  csrf = '';

  constructor(private readonly t: TestApp) {}

  async get(path: string): Promise<request.Response> {
    const res = await this.t.http().get(path).set('cookie', this.cookieHeader()).set('accept-language', 'en');
    this.remember(res);
    return res;
  }

  async post(path: string, form: Record<string, string>, withCsrf = true): Promise<request.Response> {
    const res = await this.t
      .http()
      .post(path)
      .set('cookie', this.cookieHeader())
      .set('accept-language', 'en')
      .type('form')
      .send(withCsrf ? { _csrf: this.csrf, ...form } : form);
    this.remember(res);
    return res;
  }

  async signIn(key: string): Promise<request.Response> {
    await this.get('/console');
    return this.post('/console/sign-in', { key });
  }

  cookie(name: string): string | undefined {
    return this.cookies.get(name);
  }

  private cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private remember(res: request.Response): void {
    const set = res.headers['set-cookie'] as unknown as string[] | undefined;
    for (const line of set ?? []) {
      const [pair, ...attrs] = line.split(';');
      const [name, value] = pair.split('=');
      const expired = attrs.some((a) => /expires=Thu, 01 Jan 1970/i.test(a) || /max-age=0/i.test(a.trim()));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value);
    }
    const match = /name="_csrf" value="([^"]+)"/.exec(res.text ?? '');
    if (match) this.csrf = match[1];
  }
}
