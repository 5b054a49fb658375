import helmet from 'helmet';
import { IncomingMessage, ServerResponse } from 'node:http';
import { Socket } from 'node:net';
import { helmetHeaders } from './app.setup';

describe('helmetHeaders', () => {
  it('are the headers helmet itself sets on a response', () => {
    const req = new IncomingMessage(new Socket());
    const res = new ServerResponse(req);
    let nextCalled = false;
    const options = { contentSecurityPolicy: { directives: { defaultSrc: [`'self'`], frameAncestors: [`'none'`] } } };
    helmet(options)(req, res, () => (nextCalled = true));
    expect(nextCalled).toBe(true);
    const expected = Object.entries(res.getHeaders()).map(([name, value]) => [name, String(value)]);
    const captured = helmetHeaders(options).map(([name, value]) => [name.toLowerCase(), value]);
    expect(captured).toEqual(expected);
  });

  it("carry Vestnik's content security policy", () => {
    const csp = helmetHeaders().find(([name]) => name === 'Content-Security-Policy')?.[1];
    expect(csp).toContain(`frame-ancestors 'none'`);
    expect(csp).toContain(`script-src 'self' 'unsafe-inline'`);
  });
});
