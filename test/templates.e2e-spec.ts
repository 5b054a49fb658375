import { TransactionalMailService } from '../src/mail/transactional-mail.service';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp } from './support/test-app';

const LAYOUT =
  '<html><body><div class="brand">{{site.name}}</div>{{{body}}}<footer><a href="{{unsubscribeUrl}}">Leave</a></footer></body></html>';

describe('Templates API and header safety', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let site: Awaited<ReturnType<typeof createSite>>;
  let path: string;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
    site = await createSite(t, { locale: 'ru', name: 'ВСМЕТЕ', confirmation: 'notice' });
    path = `/v1/sites/${site.slug}/templates`;
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  async function addSubscriber(
    name: string,
    locale = 'ru',
  ): Promise<{ id: string; email: string }> {
    const email = `t${Math.random().toString(36).slice(2, 10)}@example.test`;
    const [row] = await t.db.query(
      `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status) VALUES ($1, $2, $2, $3, $4, 'active') RETURNING id`,
      [site.id, email, name, locale],
    );
    return { id: row.id, email };
  }

  it('lists the built-in templates in both languages', async () => {
    const res = await site.marketing.get(path).expect(200);
    expect(res.body.items).toHaveLength(6);
    expect(
      res.body.items.map((i: { name: string; locale: string }) => `${i.name}:${i.locale}`).sort(),
    ).toEqual(['confirm:en', 'confirm:ru', 'layout:en', 'layout:ru', 'notice:en', 'notice:ru']);
    expect(res.body.items.every((i: { builtIn: boolean }) => i.builtIn)).toBe(true);
    const layout = res.body.items.find(
      (i: { name: string; locale: string }) => i.name === 'layout' && i.locale === 'ru',
    );
    expect(layout.html).toContain('{{unsubscribeUrl}}');
    expect(layout.html).toContain('{{{body}}}');
  });

  it('is for marketing keys: backend 403, no key 401, another site 404', async () => {
    await site.backend.get(path).expect(403);
    await site.backend.put(`${path}/layout`, { html: LAYOUT }).expect(403);
    await t.http().get(path).expect(401);
    const other = await createSite(t);
    await other.marketing.get(path).expect(404);
  });

  it('saves a layout per language and uses it for the subscriber language only', async () => {
    const saved = await site.marketing.put(`${path}/layout`, { html: LAYOUT }).expect(200);
    expect(saved.body).toMatchObject({
      name: 'layout',
      locale: 'ru',
      builtIn: false,
      html: LAYOUT,
      text: null,
    });
    const list = await site.marketing.get(path).expect(200);
    expect(list.body.items.filter((i: { builtIn: boolean }) => !i.builtIn)).toHaveLength(1);

    const mail = t.app.get(TransactionalMailService);
    const ivan = await addSubscriber('Иван & <Пётр>', 'ru');
    const john = await addSubscriber('John', 'en');
    await mail.sendNotice(ivan.id);
    await mail.sendNotice(john.id);
    const [ru] = sink.to(ivan.email);
    expect(ru.parsed.html).toContain('<div class="brand">ВСМЕТЕ</div>');
    expect(ru.parsed.html).toContain('Иван &amp; &lt;Пётр&gt;');
    expect(ru.parsed.text).toContain('Leave [http://vestnik.test/unsubscribe/');
    const [en] = sink.to(john.email);
    expect(en.parsed.html).not.toContain('class="brand"');

    await site.marketing.delete(`${path}/layout`).expect(200);
    expect(
      (await site.marketing.get(path).expect(200)).body.items.every(
        (i: { builtIn: boolean }) => i.builtIn,
      ),
    ).toBe(true);
  });

  it('saves a notice in English with its own subject and text', async () => {
    await site.marketing
      .put(`${path}/notice?locale=en`, {
        subject: 'Welcome, {{subscriber.name}}',
        html: '<p>Hi {{subscriber.name}}</p>',
        text: 'Hi {{subscriber.name}}',
      })
      .expect(200);
    const john = await addSubscriber('John <J>', 'en');
    await t.app.get(TransactionalMailService).sendNotice(john.id);
    const [message] = sink.to(john.email);
    expect(message.parsed.subject).toBe('Welcome, John <J>');
    expect(message.parsed.html).toContain('<p>Hi John &lt;J&gt;</p>');
    expect(message.parsed.text).toMatch(/^Hi John <J>/);
    expect(message.parsed.text).toContain('http://vestnik.test/unsubscribe/');
  });

  it.each([
    ['layout', { html: '<p>{{{body}}}</p>' }, 'unsubscribe_link_missing'],
    [
      'layout',
      { html: '{{{body}}} {{unsubscribeUrl}}', text: '{{{body}}}' },
      'unsubscribe_link_missing',
    ],
    ['layout', { html: '<p>{{unsubscribeUrl}}</p>' }, 'body_missing'],
    ['layout', { html: LAYOUT, subject: 'x' }, 'validation_failed'],
    ['confirm', { html: '<p>no link</p>' }, 'confirm_link_missing'],
    ['notice', { html: '<p>\n{{#if subscriber.name}}\n</p>' }, 'template_syntax'],
    ['notice', { html: '<p>{{unknownHelper subscriber.name}}</p>' }, 'template_syntax'],
    ['notice', { html: '<p>ok</p>', text: '{{/if}}' }, 'template_syntax'],
    ['notice', { html: '<p>ok</p>', subject: '{{subscriber.name' }, 'template_syntax'],
    ['notice', { html: '<p>ok</p>', subject: 'Hi\r\nBcc: evil@example.com' }, 'validation_failed'],
    ['notice', { html: '<p>ok</p>', subject: 'Hi\nX-Evil: 1' }, 'validation_failed'],
    ['notice', { html: '<p>ok</p>', subject: 'Hi\u0000' }, 'validation_failed'],
    ['notice', { html: 42 }, 'validation_failed'],
    ['notice', {}, 'validation_failed'],
    ['notice', { html: '<p>ok</p>', colour: 'red' }, 'validation_failed'],
  ])('refuses %s %j with 400 %s', async (name, body, code) => {
    const res = await site.marketing.put(`${path}/${name}`, body).expect(400);
    expect(res.body.code).toBe(code);
  });

  it('names the field and line of a syntax error', async () => {
    const res = await site.marketing
      .put(`${path}/notice`, { html: '<p>one</p>\n<p>two</p>\n{{#each}}' })
      .expect(400);
    expect(res.body).toMatchObject({ code: 'template_syntax', field: 'html', line: 3 });
    expect(res.body.message).toMatch(/^html: .*line 3/);
  });

  it('answers 404 for an unknown template name and 400 for an unknown locale', async () => {
    expect((await site.marketing.put(`${path}/footer`, { html: 'x' }).expect(404)).body.code).toBe(
      'template_not_found',
    );
    await site.marketing.put(`${path}/notice?locale=de`, { html: 'x' }).expect(400);
  });

  it('CR/LF injection in names, subjects and site fields produces no extra header', async () => {
    for (const field of ['name', 'fromName', 'fromEmail', 'replyTo', 'unsubscribeMailto']) {
      const res = await t.admin
        .patch(`/v1/sites/${site.slug}`, { [field]: 'Evil\r\nBcc: evil@example.com' })
        .expect(400);
      expect(res.body.fields).toContain(field);
    }
    await site.marketing
      .put(`${path}/notice`, {
        subject: 'Привет, {{subscriber.name}} {{subscriber.attributes.x}}',
        html: '<p>{{subscriber.name}}</p>',
      })
      .expect(200);
    const victim = await addSubscriber('Eve\r\nBcc: evil@example.com\r\nX-Injected: yes', 'ru');
    await t.db.query(`UPDATE subscribers SET attributes = $2 WHERE id = $1`, [
      victim.id,
      { x: 'a\nX-Other: 1\r\n\r\nbody' },
    ]);
    await t.app.get(TransactionalMailService).sendNotice(victim.id);
    const [message] = sink.to(victim.email);
    const head = message.raw.slice(0, message.raw.search(/\r\n\r\n/));
    expect(head).not.toMatch(/^(Bcc|X-Injected|X-Other):/im);
    expect(message.parsed.headers.has('bcc')).toBe(false);
    expect(message.parsed.headers.has('x-injected')).toBe(false);
    expect(message.envelopeTo).toEqual([victim.email]);
    expect(message.parsed.subject).toBe(
      'Привет, Eve Bcc: evil@example.com X-Injected: yes a X-Other: 1 body',
    );
    expect(message.parsed.html).toMatch(/<p>Eve\s+Bcc: evil@example.com\s+X-Injected: yes<\/p>/);
  });
});
