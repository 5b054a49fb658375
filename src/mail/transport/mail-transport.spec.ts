import { MailSendError } from './mail-transport';
import { pooledUrl } from './smtp.transport';

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

describe('pooledUrl', () => {
  it('adds pool settings without overriding those in SMTP_URL', () => {
    const url = new URL(pooledUrl('smtp://user:p%40ss@mail.example:587?maxMessages=50', 7));
    expect(url.searchParams.get('pool')).toBe('true');
    expect(url.searchParams.get('maxConnections')).toBe('7');
    expect(url.searchParams.get('maxMessages')).toBe('50');
    expect(url.password).toBe('p%40ss');
  });
});
