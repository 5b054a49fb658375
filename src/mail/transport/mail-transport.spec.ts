import { MailSendError } from './mail-transport';
import { smtpOptions } from './smtp/smtp-options';

const smtpError = (fields: Record<string, unknown>) => Object.assign(new Error('boom'), fields);

describe(MailSendError.name, () => {
  it.each([
    [{ code: 'EENVELOPE', responseCode: 450, response: '450 4.2.1 Mailbox busy' }, 'temporary'],
    [{ code: 'EMESSAGE', responseCode: 421, response: '421 Try again later' }, 'temporary'],
    [{ code: 'ECONNECTION' }, 'temporary'],
    [{ code: 'ETIMEDOUT' }, 'temporary'],
    [{ code: 'ESOCKET' }, 'temporary'],
    [{}, 'temporary'],
    [{ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 No such user' }, 'permanent'],
    [{ code: 'EMESSAGE', responseCode: 552, response: '552 Message too big' }, 'permanent'],
    [{ code: 'EMESSAGE' }, 'permanent'],
    [{ code: 'EAUTH', responseCode: 535, response: '535 5.7.8 Authentication failed' }, 'auth'],
    [{ responseCode: 530, response: '530 Authentication required' }, 'auth'],
    [{ responseCode: 534 }, 'auth'],
    [{ code: 'ETLS' }, 'auth'],
  ])('classifies %p as %s', (fields, kind) => {
    const error = MailSendError.from(smtpError(fields));
    expect(error).toBeInstanceOf(MailSendError);
    expect(error.kind).toBe(kind);
    expect(error.responseCode).toBe((fields as { responseCode?: number }).responseCode ?? null);
  });

  it('keeps the server answer on one line', () => {
    const error = MailSendError.from(
      smtpError({ responseCode: 550, response: '550-5.1.1 first\r\n550 5.1.1 second' }),
    );
    expect(error.message).toBe('550-5.1.1 first 550 5.1.1 second');
    expect(error.response).toContain('\r\n');
  });
});

describe('smtpOptions', () => {
  it('reads credentials, TLS settings and pool limits, letting SMTP_URL override the defaults', () => {
    const options = smtpOptions('smtp://user:p%40ss@mail.example:2525?maxMessages=50&tls.rejectUnauthorized=false&requireTLS=true', 7);
    expect(options).toMatchObject({
      host: 'mail.example',
      port: 2525,
      secure: false,
      auth: { user: 'user', pass: 'p@ss' },
      requireTLS: true,
      tls: { rejectUnauthorized: false },
      maxConnections: 7,
      maxMessages: 50,
      connectionTimeout: 10_000,
    });
    expect(smtpOptions('smtps://mail.example', 3)).toMatchObject({ secure: true, port: 465, auth: null, maxConnections: 3 });
    expect(smtpOptions('smtp://mail.example?maxConnections=20&name=mx.example', 3)).toMatchObject({ port: 587, maxConnections: 20, name: 'mx.example' });
  });
});
