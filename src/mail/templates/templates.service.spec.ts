import { Repository } from 'typeorm';
import { AppException } from '../../common/app-exception';
import { Site } from '../../sites/site.entity';
import { Template } from '../template.entity';
import { pickLocale, Recipient } from './message-renderer';
import { TemplatesService } from './templates.service';

const URL = 'https://vestnik.example.com/unsubscribe/AXUAAmsx.Y6HbOZsaEO4mIgkG4pkB-Q';
const site = { id: 's1', name: 'ВСМЕТЕ & Co', baseUrl: 'https://vsmete.ru', locale: 'ru' } as Site;
const ivan: Recipient = {
  email: 'ivan@example.ru',
  name: '<script>alert(1)</script>',
  locale: 'ru',
  attributes: { city: 'Москва' },
};
const john: Recipient = {
  email: 'john@example.com',
  name: 'John "J" <Doe>',
  locale: 'en-GB',
  attributes: null,
};

/** A repository holding the given site templates. */
function serviceWith(rows: Partial<Template>[] = []): TemplatesService {
  const repo = {
    findBy: async ({ name }: { name: { value?: string[]; _value?: string[] } }) => {
      const names = (name as unknown as { _value: string[] })._value;
      return rows
        .filter((r) => names.includes(r.name!))
        .map((r) => ({ updatedAt: new Date(), text: null, subject: null, ...r }));
    },
  } as unknown as Repository<Template>;
  return new TemplatesService(repo);
}

const codeOf = async (promise: Promise<unknown>) => {
  try {
    await promise;
  } catch (error) {
    return ((error as AppException).getResponse() as { code: string }).code;
  }
  return 'no error';
};

describe(TemplatesService.name, () => {
  const bulletin = {
    subject: 'Новости {{site.name}} для {{subscriber.name}}',
    html: '<h1>Привет, {{subscriber.name}}</h1><p>{{subscriber.attributes.city}} {{subscriber.attributes.missing}}</p>',
  };

  it('renders a bulletin in Russian with values escaped and the unsubscribe link in the footer of both parts', async () => {
    const out = await serviceWith().renderBulletin(site, bulletin, ivan, URL);
    expect(out.subject).toBe('Новости ВСМЕТЕ & Co для <script>alert(1)</script>');
    expect(out.html).toContain('<h1>Привет, &lt;script&gt;alert(1)&lt;/script&gt;</h1>');
    expect(out.html).not.toContain('<script>');
    expect(out.html).toContain('ВСМЕТЕ &amp; Co');
    expect(out.html).toContain('<p>Москва </p>');
    expect(out.html).toContain(`<a href="${URL}"`);
    expect(out.html).toContain('Отписаться');
    expect(out.html).toContain('<html lang="ru">');
    expect(out.text).toContain('Привет, <script>alert(1)</script>');
    expect(out.text).toContain(`Отписаться: ${URL}`);
  });

  it('renders the same bulletin in English for an English subscriber', async () => {
    const out = await serviceWith().renderBulletin(site, bulletin, john, URL);
    expect(out.html).toContain('Привет, John &quot;J&quot; &lt;Doe&gt;');
    expect(out.html).toContain('<html lang="en">');
    expect(out.html).toContain('>Unsubscribe</a>');
    expect(out.text).toContain(`Unsubscribe: ${URL}`);
  });

  it('uses the given text part, still adding the way out', async () => {
    const out = await serviceWith().renderBulletin(
      site,
      { ...bulletin, text: 'Только текст, {{subscriber.name}}' },
      ivan,
      URL,
    );
    expect(out.text).toMatch(/^Только текст, <script>/);
    expect(out.text).toContain(URL);
  });

  it('only lets http and https through where a value becomes a link', async () => {
    const evil = {
      ...ivan,
      attributes: { site: 'javascript:alert(1)', ok: 'https://ok.example/x' },
    };
    const out = await serviceWith().renderBulletin(
      site,
      {
        subject: 's',
        html: '<a href="{{subscriber.attributes.site}}">a</a><a href="{{subscriber.attributes.ok}}">b</a>',
      },
      evil,
      URL,
    );
    expect(out.html).toContain('<a href="#">a</a>');
    expect(out.html).toContain('<a href="https://ok.example/x">b</a>');
  });

  it('keeps one line in the subject whatever the values hold', async () => {
    const out = await serviceWith().renderBulletin(
      site,
      { subject: 'Hi {{subscriber.name}}', html: 'x' },
      { ...ivan, name: 'A\r\nBcc: x@y.z\0' },
      URL,
    );
    expect(out.subject).toBe('Hi A Bcc: x@y.z');
  });

  it('uses the site layout for the subscriber locale and adds the link if a custom layout hides it', async () => {
    const service = serviceWith([
      {
        name: 'layout',
        locale: 'ru',
        html: '<html><body><main>{{{body}}}</main>{{#if nothing}}{{unsubscribeUrl}}{{/if}}</body></html>',
      },
    ]);
    const out = await service.renderBulletin(site, bulletin, ivan, URL);
    expect(out.html).toMatch(/^<html><body><main><h1>/);
    expect(out.html).toContain(`<a href="${URL}">Отписаться</a></p></body>`);
    expect(out.text).toContain(URL);
    const english = await service.renderBulletin(site, bulletin, john, URL);
    expect(english.html).toContain('<html lang="en">');
  });

  it('renders confirm and notice messages with their links in both parts', async () => {
    const service = serviceWith();
    const confirm = await service.renderTransactional('confirm', site, ivan, {
      unsubscribeUrl: URL,
      confirmUrl: 'https://v.example/confirm/abc',
    });
    expect(confirm.subject).toBe('Подтвердите подписку на ВСМЕТЕ & Co');
    for (const part of [confirm.html, confirm.text]) {
      expect(part).toContain('https://v.example/confirm/abc');
      expect(part).toContain(URL);
    }
    const notice = await service.renderTransactional('notice', site, john, { unsubscribeUrl: URL });
    expect(notice.subject).toBe('You are subscribed to ВСМЕТЕ & Co');
    expect(notice.text).toContain(URL);
  });

  it('prepares a bulletin once and renders it for many recipients', async () => {
    const renderer = await serviceWith().prepareBulletin(site, bulletin);
    const a = renderer.render(ivan, { unsubscribeUrl: `${URL}a` });
    const b = renderer.render(john, { unsubscribeUrl: `${URL}b` });
    expect(a.html).toContain(`${URL}a`);
    expect(b.html).toContain(`${URL}b`);
    expect(b.html).not.toContain(`${URL}a`);
  });

  it('refuses, when saved, layouts without the way out or the body and confirm without its link', async () => {
    const service = serviceWith();
    expect(await codeOf(service.save(site, 'layout', 'ru', { html: '<p>{{{body}}}</p>' }))).toBe(
      'unsubscribe_link_missing',
    );
    expect(
      await codeOf(
        service.save(site, 'layout', 'ru', {
          html: '{{{body}}}{{unsubscribeUrl}}',
          text: '{{{body}}}',
        }),
      ),
    ).toBe('unsubscribe_link_missing');
    expect(
      await codeOf(service.save(site, 'layout', 'ru', { html: '{{body}} {{unsubscribeUrl}}' })),
    ).toBe('body_missing');
    expect(await codeOf(service.save(site, 'confirm', 'en', { html: '<p>hello</p>' }))).toBe(
      'confirm_link_missing',
    );
    expect(await codeOf(service.save(site, 'notice', 'en', { html: '<p>{{#if x}}</p>' }))).toBe(
      'template_syntax',
    );
    expect(await codeOf(service.save(site, 'notice', 'en', { subject: '{{', html: 'x' }))).toBe(
      'template_syntax',
    );
  });

  it('renders public pages in both languages with the site name escaped', () => {
    const service = serviceWith();
    const ru = service.renderPage('unsubscribe-ask', 'ru', site);
    expect(ru).toContain('<html lang="ru">');
    expect(ru).toContain('ВСМЕТЕ &amp; Co');
    expect(ru).toContain('<form method="post"');
    const en = service.renderPage('invalid', 'en', null);
    expect(en).toContain('This link is not valid');
    expect(en).not.toContain('<form');
  });

  it('picks the subscriber language, then the site language', () => {
    expect(pickLocale('en-US', 'ru')).toBe('en');
    expect(pickLocale('de', 'ru')).toBe('ru');
    expect(pickLocale(null, 'ru')).toBe('ru');
    expect(pickLocale('RU_ru', 'en')).toBe('ru');
  });
});
