import { loadConfig } from '../config/config';
import { Site } from '../sites/site.entity';
import { MessageHeadersService } from './message-headers.service';

const site = {
  slug: 'vsmete',
  fromName: 'ВСМЕТЕ',
  fromEmail: 'news@vsmete.ru',
  replyTo: null,
  unsubscribeMailto: null,
} as Site;
const URL = 'https://vestnik.example.com/unsubscribe/AXUAAmsx.Y6HbOZsaEO4mIgkG4pkB-Q';

describe(MessageHeadersService.name, () => {
  const headers = new MessageHeadersService(
    loadConfig({ PUBLIC_URL: 'https://vestnik.example.com:8443/base' }),
  );

  it('builds the contract headers', () => {
    const envelope = headers.build(site, URL);
    expect(envelope.from).toEqual({ name: 'ВСМЕТЕ', address: 'news@vsmete.ru' });
    expect(envelope.replyTo).toBeNull();
    expect(envelope.messageId).toMatch(/^<[0-9a-f-]{36}@vsmete\.ru>$/);
    expect(envelope.headers).toEqual({
      'List-Unsubscribe': `<${URL}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '<vsmete.vestnik.example.com>',
    });
  });

  it('adds Reply-To, the mailto form and the bulletin id when there are some', () => {
    const envelope = headers.build(
      { ...site, replyTo: 'team@vsmete.ru', unsubscribeMailto: 'leave@vsmete.ru' } as Site,
      URL,
      'b-1',
    );
    expect(envelope.replyTo).toBe('team@vsmete.ru');
    expect(envelope.headers['List-Unsubscribe']).toBe(
      `<${URL}>, <mailto:leave@vsmete.ru?subject=unsubscribe%20AXUAAmsx.Y6HbOZsaEO4mIgkG4pkB-Q>`,
    );
    expect(envelope.headers['X-Vestnik-Bulletin']).toBe('b-1');
  });

  it('never lets a line break into a header, and every Message-ID is new', () => {
    const evil = { ...site, fromName: 'Evil\r\nBcc: x@y.z', replyTo: 'a@b.c\nX-Evil: 1' } as Site;
    const envelope = headers.build(evil, URL);
    expect(JSON.stringify(envelope)).not.toMatch(/\\[rn]/);
    expect(headers.build(site, URL).messageId).not.toBe(headers.build(site, URL).messageId);
  });
});
