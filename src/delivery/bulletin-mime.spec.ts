import { simpleParser } from 'mailparser';
import { BUILTIN_TEMPLATES } from '../mail/templates/builtin-templates';
import { MessageRenderer } from '../mail/templates/message-renderer';
import { BulletinMime, encodeHeader } from './bulletin-mime';

const envelope = {
  from: { name: 'ВСМЕТЕ "Новости"', address: 'news@vsmete.ru' },
  replyTo: 'reply@vsmete.ru',
  messageId: '<unused@vsmete.ru>',
  headers: {
    'List-Unsubscribe': '<http://placeholder.invalid/>',
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    'List-Id': '<vsmete.vestnik.test>',
    'X-Vestnik-Bulletin': '86555b61-7600-4a76-8ee3-7f5066e8608c',
  },
};

describe(BulletinMime.name, () => {
  it('builds a message that a MIME parser reads back exactly', async () => {
    const mime = new BulletinMime(envelope, 'news@vsmete.ru');
    const subject = 'Привет, Иван! Длинная тема письма, чтобы слова кодировались в несколько частей 🙂';
    const html = '<p>Здравствуйте, Иван</p>\n'.repeat(200);
    const text = 'Здравствуйте, Иван\nhttp://vestnik.test/unsubscribe/abc\n';
    const mail = mime.compose('ivan@example.ru', subject, html, text, '<m1@vsmete.ru>', '<http://vestnik.test/unsubscribe/abc>');
    expect(mail.envelope).toEqual({ from: 'news@vsmete.ru', to: ['ivan@example.ru'] });
    expect(mail.messageId).toBe('<m1@vsmete.ru>');
    const raw = String(mail.raw);
    expect(raw.split('\r\n').every((line) => line.length <= 998)).toBe(true);
    expect(raw.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
    expect(raw).toContain('List-Unsubscribe: <http://vestnik.test/unsubscribe/abc>\r\n');
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n');
    expect(raw).not.toContain('placeholder.invalid');
    // What lets SMTP write it byte for byte: 7-bit, CRLF-terminated, no line starting with a dot.
    expect(mail.wireReady).toBe(true);
    expect(raw).toMatch(/^[^\u0080-\uffff]*\r\n$/);
    expect(raw.split('\r\n').some((line) => line.startsWith('.'))).toBe(false);

    const parsed = await simpleParser(raw);
    expect(parsed.subject).toBe(subject);
    expect(parsed.from?.value[0]).toEqual({ name: 'ВСМЕТЕ "Новости"', address: 'news@vsmete.ru' });
    expect(parsed.replyTo?.value[0].address).toBe('reply@vsmete.ru');
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0].address : null).toBe('ivan@example.ru');
    expect(parsed.messageId).toBe('<m1@vsmete.ru>');
    expect(parsed.headers.get('x-vestnik-bulletin')).toBe('86555b61-7600-4a76-8ee3-7f5066e8608c');
    expect(parsed.html).toBe(html);
    expect(parsed.text).toBe(text);
    expect(parsed.date?.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('carries bodies rendered as shared text and values, read back as the whole render', async () => {
    const renderer = new MessageRenderer(
      { name: 'ВСМЕТЕ', baseUrl: 'https://vsmete.ru', locale: 'ru' },
      () => ({ subject: 'Новости', html: '<p>Здравствуйте, {{subscriber.name}}!</p>\n'.repeat(40) }),
      (locale) => BUILTIN_TEMPLATES[locale].layout,
    );
    const mime = new BulletinMime(envelope, 'news@vsmete.ru');
    for (const name of ['Иван', 'O\'Brien <ob@x>', '']) {
      const recipient = { email: 'ivan@example.ru', name, locale: null, attributes: {} };
      const links = { unsubscribeUrl: 'http://vestnik.test/unsubscribe/abc' };
      const spliced = renderer.renderSpliced(recipient, links)!;
      const mail = mime.compose('ivan@example.ru', spliced.subject, spliced.html, spliced.text, '<m3@vsmete.ru>', '<x>');
      expect(mail.wireReady).toBe(true);
      const parsed = await simpleParser(mail.raw);
      const whole = renderer.render(recipient, links);
      expect(parsed.html).toBe(whole.html);
      expect(parsed.text).toBe(whole.text);
    }
  });

  it('is not wire-ready when a fixed header is not 7-bit (an internationalised Reply-To)', () => {
    const mime = new BulletinMime({ ...envelope, replyTo: 'почта@вСмете.рф' }, 'news@vsmete.ru');
    const mail = mime.compose('ivan@example.ru', 'Тема', '<p>.</p>', '.', '<m2@vsmete.ru>', '<http://vestnik.test/u/abc>');
    expect(mail.wireReady).toBe(false);
    expect(String(mail.raw)).toContain('Reply-To: почта@вСмете.рф\r\n');
  });

  it('leaves ASCII header values alone and refuses addresses it cannot carry', () => {
    expect(encodeHeader('Plain subject')).toBe('Plain subject');
    expect(encodeHeader('Тема')).toBe('=?UTF-8?B?0KLQtdC80LA=?=');
    expect(BulletinMime.canCarry('a@b.ru')).toBe(true);
    expect(BulletinMime.canCarry('иван@почта.рф')).toBe(false);
    expect(BulletinMime.canCarry('a b@c.d')).toBe(false);
  });
});
