import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from '../../test/support/dkim-verify';
import { composeRaw } from '../mail/transport/mime';
import { checkDkimPrivateKey, dkimColumns } from './dkim-key';
import { relaxedBody, relaxedHeader, signDkim } from './dkim-signer';

const pem = (type: 'rsa' | 'ed25519', bits = 2048) =>
  type === 'rsa'
    ? generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
    : generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

const message = () =>
  composeRaw({
    from: { name: 'ВСМЕТЕ Новости', address: 'news@vsmete.ru' },
    to: 'Ivan.Petrov@example.ru',
    subject: 'Новости недели — очень длинная тема, которую nodemailer перенесёт на несколько строк заголовка',
    html: '<h1>Привет</h1>   <p>text  with   spaces   </p>\n\n\n',
    text: 'Привет\n\nОтписаться: https://vestnik.test/unsubscribe/abc\n\n\n',
    messageId: '<0f1e2d3c@vsmete.ru>',
    headers: {
      'List-Unsubscribe': '<https://vestnik.test/unsubscribe/eyJ2IjoxLCJrIjoiazEiLCJwIjoidSJ9.c2lnbmF0dXJlLXZhbHVlLWhlcmU>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '<vsmete.vestnik.test>',
    },
  });

describe('DKIM signing, checked by python3-dkim', () => {
  it.each([
    ['rsa', 2048],
    ['rsa', 4096],
    ['ed25519', 0],
  ] as const)('signs with %s %s so that dkimpy verifies it', async (type, bits) => {
    const privateKey = pem(type, bits);
    const record = (checkDkimPrivateKey(privateKey) as { ok: true; value: { dnsRecord: string } }).value.dnsRecord;
    const signed = signDkim(await message(), { domainName: 'vsmete.ru', keySelector: 'vestnik', privateKey });
    const header = signed.toString('latin1').split('\r\n\r\n')[0];
    expect(header).toMatch(/^DKIM-Signature: v=1; a=(rsa|ed25519)-sha256; c=relaxed\/relaxed; d=vsmete.ru; s=vestnik;/);
    expect(header.replace(/\r\n\t/g, ' ')).toContain(
      'h=From:To:Subject:Date:Message-ID:List-Id:List-Unsubscribe:List-Unsubscribe-Post:MIME-Version:Content-Type;',
    );
    const verdict = dkimVerify(signed, record);
    expect(verdict.output).toMatch(/^ok/);
    expect(verdict.dnsName).toBe('vestnik._domainkey.vsmete.ru.');
  });

  it('fails verification when a signed header or the body changes, or with another key', async () => {
    const privateKey = pem('rsa');
    const record = (checkDkimPrivateKey(privateKey) as { ok: true; value: { dnsRecord: string } }).value.dnsRecord;
    const signed = signDkim(await message(), { domainName: 'vsmete.ru', keySelector: 'vestnik', privateKey }).toString('latin1');
    expect(dkimVerify(signed.replace('List-Unsubscribe=One-Click', 'List-Unsubscribe=Two-Click'), record).ok).toBe(false);
    expect(dkimVerify(`${signed}P.S. added on the way\r\n`, record).ok).toBe(false);
    expect(dkimVerify(signed.replace(/\r\n\r\n/, '\r\nBcc: x@y.z\r\n\r\n'), record).ok).toBe(true); // unsigned header: still valid
    const other = (checkDkimPrivateKey(pem('rsa')) as { ok: true; value: { dnsRecord: string } }).value.dnsRecord;
    expect(dkimVerify(signed, other).ok).toBe(false);
  });
});

describe('canonicalization', () => {
  it('follows RFC 6376 relaxed rules (its section 3.4.5 example)', () => {
    expect(relaxedHeader('A: X')).toBe('a:X');
    expect(relaxedHeader('B : Y\t\r\n\tZ  ')).toBe('b:Y Z');
    expect(relaxedBody(' C \r\nD \t E\r\n\r\n\r\n')).toBe(' C\r\nD E\r\n');
    expect(relaxedBody('\r\n\r\n')).toBe('');
    expect(relaxedBody('a \t b\n  \n\n')).toBe('a b\r\n');
    expect(relaxedBody('no newline  ')).toBe('no newline\r\n');
    expect(relaxedBody('\n\n\nx\n\n\ny\n')).toBe('\r\n\r\n\r\nx\r\n\r\n\r\ny\r\n'); // bare LFs grow the output
  });
});

describe('checkDkimPrivateKey', () => {
  it('accepts RSA of 2048 bits or more and Ed25519, refuses the rest', () => {
    expect(checkDkimPrivateKey(pem('rsa')).ok).toBe(true);
    expect(checkDkimPrivateKey(pem('ed25519'))).toMatchObject({ ok: true, value: { algorithm: 'ed25519-sha256' } });
    expect(checkDkimPrivateKey(pem('rsa', 1024))).toMatchObject({ ok: false, reason: expect.stringContaining('1024') });
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(checkDkimPrivateKey(ec).ok).toBe(false);
    expect(checkDkimPrivateKey('-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----').ok).toBe(false);
    expect(checkDkimPrivateKey(42).ok).toBe(false);
    const encrypted = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'x' })
      .toString();
    expect(checkDkimPrivateKey(encrypted).ok).toBe(false);
  });

  it('maps the site input to columns (undefined keeps, null clears)', () => {
    expect(dkimColumns(undefined)).toEqual({});
    expect(dkimColumns(null)).toEqual({ dkimDomain: null, dkimSelector: null, dkimPrivateKey: null });
    expect(dkimColumns({ domain: 'VSMETE.ru', selector: 'S1', privateKey: 'k' })).toEqual({ dkimDomain: 'vsmete.ru', dkimSelector: 's1', dkimPrivateKey: 'k\n' });
  });
});
