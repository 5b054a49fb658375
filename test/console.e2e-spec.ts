import { ConsoleClient } from './support/console-client';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';
import { ADMIN_KEY } from './support/test-env';

describe('Web console over HTTP: sessions, CSRF, admin pages', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows the sign-in form with a CSRF field and refuses a wrong key with 401', async () => {
    const c = new ConsoleClient(t);
    const page = await c.get('/console');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.text).toContain('name="key"');
    expect(c.csrf).not.toBe('');
    const wrong = await c.post('/console/sign-in', { key: 'vsk_nope' });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain('not valid');
    expect(c.cookie('vestnik_console')).toBeUndefined();
  });

  it('signs in with the admin key: HttpOnly SameSite=Strict cookie, only a hash stored', async () => {
    const c = new ConsoleClient(t);
    const res = await c.signIn(ADMIN_KEY);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/console');
    const cookie = (res.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('vestnik_console='))!;
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).toMatch(/Path=\/console/i);
    expect(cookie).not.toMatch(/Secure/i);
    const token = c.cookie('vestnik_console')!;
    const rows = await t.db.query(`SELECT token_hash FROM console_sessions`);
    expect(rows.map((r: { token_hash: string }) => r.token_hash)).not.toContain(token);
    const home = await c.get('/console');
    expect(home.headers.location).toBe('/console/admin/sites');
    const sites = await c.get('/console/admin/sites');
    expect(sites.status).toBe(200);
    // No SMTP_URL outside production: the console links the development mailbox.
    expect(sites.text).toContain('href="/dev/mailbox"');
  });

  it('marks the cookies Secure behind a trusted https proxy, and only then', async () => {
    const forwarded = await t.http().get('/console').set('x-forwarded-proto', 'https');
    const untrusted = (forwarded.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('vestnik_csrf='));
    expect(untrusted).not.toMatch(/Secure/);
    const proxied = await createTestApp({ reuse: t.env, env: { TRUST_PROXY: '127.0.0.1' } });
    try {
      const c = new ConsoleClient(proxied);
      await c.get('/console');
      const res = await proxied.http().post('/console/sign-in').set('x-forwarded-proto', 'https')
        .set('cookie', `vestnik_csrf=${c.cookie('vestnik_csrf')}`).type('form').send({ _csrf: c.csrf, key: ADMIN_KEY });
      expect(res.status).toBe(303);
      const session = (res.headers['set-cookie'] as unknown as string[]).find((l) => l.startsWith('vestnik_console='));
      expect(session).toMatch(/; Secure/);
      expect(session).toMatch(/HttpOnly/);
    } finally {
      await proxied.close();
    }
  });

  it('refuses a POST without or with a forged CSRF token (403 csrf_invalid)', async () => {
    const c = new ConsoleClient(t);
    await c.signIn(ADMIN_KEY);
    const missing = await c.post('/console/admin/sites', { slug: 'forged' }, false);
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('csrf_invalid');
    const forged = await c.post('/console/admin/sites', { _csrf: 'abc-forged', slug: 'forged' }, false);
    expect(forged.status).toBe(403);
    // A token of another session does not fit this one.
    const other = new ConsoleClient(t);
    await other.signIn(ADMIN_KEY);
    await other.get('/console/admin/sites');
    const stolen = await c.post('/console/admin/sites', { _csrf: other.csrf, slug: 'forged' }, false);
    expect(stolen.status).toBe(403);
    const json = await t.http().post('/console/sign-in').set('accept', 'application/json').type('form').send({ key: ADMIN_KEY });
    expect(json.status).toBe(403);
    expect(json.body.code).toBe('csrf_invalid');
    expect(await t.db.query(`SELECT 1 FROM sites WHERE slug = 'forged'`)).toHaveLength(0);
  });

  it('sends pages to the sign-in form without a session; sign-out ends the session', async () => {
    const anonymous = await t.http().get('/console/admin/sites');
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.location).toBe('/console');
    const c = new ConsoleClient(t);
    await c.signIn(ADMIN_KEY);
    const token = c.cookie('vestnik_console')!;
    await c.get('/console/admin/sites');
    expect((await c.post('/console/sign-out', {})).status).toBe(303);
    const after = await t.http().get('/console/admin/sites').set('cookie', `vestnik_console=${token}`);
    expect(after.status).toBe(303);
  });

  it('creates a site, keys (secret shown once) and a policy version from the admin pages', async () => {
    const c = new ConsoleClient(t);
    await c.signIn(ADMIN_KEY);
    await c.get('/console/admin/sites');
    const bad = await c.post('/console/admin/sites', { slug: 'Bad Slug', name: 'X' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('slug must be');
    const created = await c.post('/console/admin/sites', {
      slug: 'kristalux', name: 'Kristalux', baseUrl: 'https://kristalux.com', fromEmail: 'news@kristalux.com',
      fromName: 'Kristalux', confirmation: 'none', locale: 'ru',
    });
    expect(created.status).toBe(303);
    expect(created.headers.location).toBe('/console/admin/sites/kristalux?saved=1');
    await c.get('/console/admin/sites/kristalux');
    const updated = await c.post('/console/admin/sites/kristalux', {
      name: 'Kristalux', baseUrl: 'https://kristalux.com', fromEmail: 'news@kristalux.com', fromName: 'Kristalux',
      confirmation: 'double_opt_in', locale: 'ru',
    });
    expect(updated.status).toBe(303);
    expect((await t.admin.get('/v1/sites/kristalux')).body.confirmation).toBe('double_opt_in');

    await c.get('/console/admin/sites/kristalux');
    const key = await c.post('/console/admin/sites/kristalux/keys', { name: 'marketing', role: 'marketing' });
    expect(key.status).toBe(201);
    const secret = /data-test="new-key-secret">([^<]+)</.exec(key.text)![1];
    expect(secret).toMatch(/^vsk_/);
    const again = await c.get('/console/admin/sites/kristalux');
    expect(again.text).not.toContain(secret);
    expect((await t.http().get('/v1/sites/kristalux').set('authorization', `Bearer ${secret}`)).status).toBe(200);

    const policy = await c.post('/console/admin/sites/kristalux/policies', { version: '2026-11-01', text: 'Политика' });
    expect(policy.status).toBe(303);
    const dup = await c.post('/console/admin/sites/kristalux/policies', { version: '2026-11-01' });
    expect(dup.status).toBe(409);
    expect((await t.admin.get('/v1/sites/kristalux/policies')).body.items ?? []).toBeDefined();
  });

  it('lets a marketing key see only its own site, refuses backend keys and admin pages', async () => {
    const own = await createSite(t, { slug: 'own-site' });
    await createSite(t, { slug: 'other-site' });
    const backend = new ConsoleClient(t);
    const refused = await backend.signIn(own.keys.backend);
    expect(refused.status).toBe(401);
    expect(refused.text).toContain('Backend keys');

    const c = new ConsoleClient(t);
    await c.signIn(own.keys.marketing);
    expect((await c.get('/console')).headers.location).toBe('/console/sites/own-site');
    expect((await c.get('/console/admin/sites')).status).toBe(403);
    expect((await c.get('/console/sites/other-site')).status).toBe(404);
  });

  it('ends the session when its key is revoked', async () => {
    const site = await createSite(t, { slug: 'revoked-site' });
    const c = new ConsoleClient(t);
    await c.signIn(site.keys.marketing);
    expect((await c.get('/console/sites/revoked-site')).status).toBe(200);
    const keys = await t.admin.get('/v1/sites/revoked-site/keys').expect(200);
    const marketing = (keys.body.items ?? keys.body).find((k: { role: string }) => k.role === 'marketing');
    await t.admin.delete(`/v1/sites/revoked-site/keys/${marketing.id}`).expect(204);
    const after = await c.get('/console/sites/revoked-site');
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/console');
  });

  it('draws the dashboard from the ledger: 30 UTC days, older events left out', async () => {
    const site = await createSite(t, { slug: 'dash' });
    const id = (await site.backend.post('/v1/sites/dash/subscribers', { email: 'd@example.ru' }).expect(201)).body.id;
    await site.backend.post(`/v1/sites/dash/subscribers/${id}/unsubscribe`).expect(200);
    const day = (ago: number) => new Date(Date.now() - ago * 86_400_000).toISOString().slice(0, 10);
    for (const ago of [3, 3, 40]) {
      await t.db.query(
        `INSERT INTO subscriber_events (site_id, subscriber_id, type, channel, created_at)
         VALUES ($1, $2, 'registered', 'api', now() - make_interval(days => $3))`,
        [site.id, id, ago],
      );
    }
    const c = new ConsoleClient(t);
    await c.signIn(site.keys.marketing);
    const page = await c.get('/console/sites/dash');
    expect(page.text).toContain('Registrations: 3');
    expect(page.text).toContain('Unsubscribes: 1');
    expect(page.text).toContain(`<title>${day(3)}: 2</title>`);
    expect(page.text).toContain(`<title>${day(0)}: 1</title>`);
    expect(page.text).not.toContain(day(40));
  });

  it('switches the language with a form and stays on console paths', async () => {
    const c = new ConsoleClient(t);
    await c.get('/console');
    const res = await c.post('/console/language', { lang: 'ru', back: 'https://evil.example/' });
    expect(res.headers.location).toBe('/console');
    const page = await t.http().get('/console').set('cookie', 'vestnik_lang=ru');
    expect(page.text).toContain('Вход в консоль');
    expect((await t.http().get('/console').set('accept-language', 'en-US,en;q=0.9')).text).toContain('Sign in to');
  });

  it('serves its stylesheet and script, and nothing else from assets', async () => {
    expect((await t.http().get('/console/assets/console.css')).headers['content-type']).toContain('text/css');
    expect((await t.http().get('/console/assets/console.js')).status).toBe(200);
    expect((await t.http().get('/console/assets/..%2Fconsole.module.ts')).status).toBe(404);
  });

  describe('site pages', () => {
    let site: Awaited<ReturnType<typeof createSite>>;
    let c: ConsoleClient;
    const ids: string[] = [];

    beforeAll(async () => {
      site = await createSite(t, { slug: 'pages' });
      for (const email of ['a@example.ru', 'b@example.ru', 'c@example.ru']) {
        ids.push((await site.backend.post('/v1/sites/pages/subscribers', { email, consent: { source: 'form' } }).expect(201)).body.id);
      }
      c = new ConsoleClient(t);
      await c.signIn(site.keys.marketing);
    });

    it('lists, filters and searches subscribers; a bad address is shown on the page', async () => {
      const all = await c.get('/console/sites/pages/subscribers');
      expect(all.status).toBe(200);
      expect(all.text).toContain('a@example.ru');
      const one = await c.get('/console/sites/pages/subscribers?email=B%40Example.ru&status=');
      expect(one.text).toContain('b@example.ru');
      expect(one.text).not.toContain('a@example.ru');
      const none = await c.get('/console/sites/pages/subscribers?status=unsubscribed');
      expect(none.text).not.toContain('a@example.ru');
      const bad = await c.get('/console/sites/pages/subscribers?email=not-an-address');
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('class="alert"');
      expect((await c.get('/console/sites/pages/subscribers?status=nonsense')).status).toBe(400);
    });

    it('shows one subscriber with the ledger, exports it as JSON, 404s unknown ids', async () => {
      const page = await c.get(`/console/sites/pages/subscribers/${ids[0]}`);
      expect(page.text).toContain('registered');
      const download = await c.get(`/console/sites/pages/subscribers/${ids[0]}/export`);
      expect(download.headers['content-disposition']).toContain('attachment');
      expect(JSON.parse(download.text).subscriber.email).toBe('a@example.ru');
      expect((await c.get('/console/sites/pages/subscribers/00000000-0000-4000-8000-000000000000')).status).toBe(404);
      expect((await c.get('/console/sites/pages/subscribers/not-a-uuid')).status).toBe(404);
    });

    it('erases only after the address is typed again', async () => {
      await c.get(`/console/sites/pages/subscribers/${ids[2]}/erase`);
      const wrong = await c.post(`/console/sites/pages/subscribers/${ids[2]}/erase`, { confirm: 'someone@else.ru' });
      expect(wrong.status).toBe(400);
      await site.backend.get(`/v1/sites/pages/subscribers/${ids[2]}`).expect(200);
      const right = await c.post(`/console/sites/pages/subscribers/${ids[2]}/erase`, { confirm: 'C@example.ru' });
      expect(right.status).toBe(303);
      await site.backend.get(`/v1/sites/pages/subscribers/${ids[2]}`).expect(404);
    });

    it('imports CSV sent by the page script (text/csv + header token) with a per-line report', async () => {
      await c.get('/console/sites/pages/subscribers/import');
      const csv = 'email,name\nnew1@example.ru,Новый\nbroken-address,X\nnew2@example.ru,\n';
      const res = await t.http().post('/console/sites/pages/subscribers/import?source=console-test')
        .set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`).set('x-csrf-token', c.csrf)
        .set('accept', 'application/json').set('content-type', 'text/csv').send(csv);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ created: 2, errors: [{ line: 3 }] });
      const noToken = await t.http().post('/console/sites/pages/subscribers/import?source=x')
        .set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`).set('accept', 'application/json')
        .set('content-type', 'text/csv').send(csv);
      expect(noToken.status).toBe(403);
      const noSource = await t.http().post('/console/sites/pages/subscribers/import')
        .set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`).set('x-csrf-token', c.csrf)
        .set('accept', 'application/json').set('content-type', 'text/csv').send(csv);
      expect(noSource.status).toBe(400);
    });

    it('imports CSV from the plain multipart form, checking its _csrf part', async () => {
      const post = (token: string) => t.http().post('/console/sites/pages/subscribers/import')
        .set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`)
        .field('_csrf', token).field('source', 'form-upload')
        .attach('file', Buffer.from('email\nmulti@example.ru\n'), { filename: 'people.csv', contentType: 'text/csv' });
      expect((await post('forged')).status).toBe(403);
      // Other routes never take their token from a multipart body: a multipart POST there needs the header.
      const sneaky = await t.http().post(`/console/sites/pages/subscribers/${ids[1]}/unsubscribe`)
        .set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`).field('_csrf', c.csrf);
      expect(sneaky.status).toBe(403);
      expect((await site.backend.get(`/v1/sites/pages/subscribers/${ids[1]}`).expect(200)).body.status).toBe('active');
      const ok = await post(c.csrf);
      expect(ok.status).toBe(200);
      expect(ok.text).toContain('data-k="created">1<');
    });

    it('creates a bulletin: a template error comes back with its line; preview and progress answer JSON', async () => {
      await c.get('/console/sites/pages/bulletins/new');
      const bad = await c.post('/console/sites/pages/bulletins', { subject: 'Hi', html: '<p>one</p>\n<p>{{#each x}}</p>' });
      expect(bad.status).toBe(400);
      expect(bad.text).toContain('data-test="template-error"');
      expect(bad.text).toMatch(/line 2/);
      const good = await c.post('/console/sites/pages/bulletins', { subject: 'Hi {{site.name}}', html: '<p>Hello {{subscriber.email}}</p>' });
      expect(good.status).toBe(303);
      const url = good.headers.location as string;
      const editor = await c.get(url);
      expect(editor.text).toContain('Hello subscriber@example.com');
      const preview = await t.http().post(`${url}/preview`).set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`)
        .set('x-csrf-token', c.csrf).set('accept', 'application/json')
        .send({ subject: 'Hi', html: '<p>Dear {{subscriber.email}}</p>', subscriberId: ids[0] });
      expect(preview.status).toBe(200);
      expect(preview.body.preview.html).toContain('Dear a@example.ru');
      const broken = await t.http().post(`${url}/preview`).set('cookie', `vestnik_console=${c.cookie('vestnik_console')}`)
        .set('x-csrf-token', c.csrf).set('accept', 'application/json').send({ subject: 'Hi', html: '{{#if a}}' });
      expect(broken.status).toBe(400);
      expect(broken.body.problem).toMatchObject({ field: 'html' });
      const test = await c.post(`${url}/test`, { emails: 'not-an-address' });
      expect(test.status).toBe(400);
      const sent = await c.post(`${url}/test`, { emails: 'editor@example.ru, boss@example.ru' });
      expect(sent.status).toBe(303);
      expect(sent.headers.location).toBe(`${url}?notice=test_sent`);
      expect((await c.get(sent.headers.location)).text).toContain('Test sent.');
      const tests = await t.db.query(`SELECT recipient FROM messages WHERE kind = 'test' ORDER BY recipient`);
      expect(tests.map((m: { recipient: string }) => m.recipient)).toEqual(['boss@example.ru', 'editor@example.ru']);
      expect((await c.get(`${url}?notice=<script>`)).text).not.toContain('<script>');
      const scheduled = await c.post(`${url}/send`, { at: '2099-01-01T09:00' });
      expect(scheduled.status).toBe(303);
      const progress = await c.get(`${url}/progress`);
      expect(progress.body).toMatchObject({ status: 'scheduled', percent: 0 });
      expect((await c.post(`${url}/resume`, {})).status).toBe(409);
      // A scheduled bulletin offers cancel, not pause (the service refuses pausing what has not started).
      const page = await c.get(url);
      expect(page.text).toContain(`${url}/cancel`);
      expect(page.text).not.toContain(`${url}/pause`);
      expect((await c.post(`${url}/pause`, {})).status).toBe(409);
      expect((await c.post(`${url}/cancel`, {})).status).toBe(303);
      expect((await t.admin.get(`/v1/sites/pages/bulletins/${url.split('/').pop()}`)).body.status).toBe('cancelled');
      const list = await c.get('/console/sites/pages/bulletins');
      // The live preview saved the draft as it was typed: the list shows the last subject.
      expect(list.text).toContain(`${url}">Hi</a>`);
      expect((await c.get('/console/sites/pages/bulletins?cursor=garbage')).status).toBe(400);
    });

    it('edits a template per language: a layout without the unsubscribe link is refused, then reset', async () => {
      const page = await c.get('/console/sites/pages/templates?name=layout&locale=en');
      expect(page.text).toContain('iframe');
      const refused = await c.post('/console/sites/pages/templates/layout/en', { html: '<div>{{{body}}}</div>' });
      expect(refused.status).toBe(400);
      expect(refused.text).toContain('class="alert"');
      const saved = await c.post('/console/sites/pages/templates/notice/en', {
        subject: 'Welcome to {{site.name}}', html: '<p>Welcome!</p><a href="{{unsubscribeUrl}}">Unsubscribe</a>',
      });
      expect(saved.status).toBe(303);
      const shown = await c.get('/console/sites/pages/templates?name=notice&locale=en');
      expect(shown.text).toContain('Welcome to Test Site');
      expect((await c.post('/console/sites/pages/templates/notice/en/reset', {})).status).toBe(303);
      expect((await c.post('/console/sites/pages/templates/nope/en', { html: 'x' })).status).toBe(404);
    });
  });
});

describe('Web console: pausing, resuming and cancelling a bulletin that is sending', () => {
  let t: TestApp;
  let sink: SmtpSink;
  beforeAll(async () => {
    sink = await new SmtpSink().start();
    // Every message is deferred (451), so the bulletin stays in `sending` while the test drives it.
    sink.behaviour = () => ({ accept: false, code: 451, message: '4.3.0 Try again later' });
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('offers pause while sending, resume while paused, and cancel', async () => {
    const site = await createSite(t, { slug: 'busy' });
    await site.backend.post('/v1/sites/busy/subscribers', { email: 'x@example.ru' }).expect(201);
    const c = new ConsoleClient(t);
    await c.signIn(site.keys.marketing);
    await c.get('/console/sites/busy/bulletins/new');
    const url = (await c.post('/console/sites/busy/bulletins', { subject: 'S', html: '<p>x</p>' })).headers.location as string;
    await c.get(url);
    expect((await c.post(`${url}/send`, {})).status).toBe(303);
    await waitFor(async () => (await c.get(`${url}/progress`)).body.status === 'sending');
    expect((await c.get(url)).text).toContain(`${url}/pause`);
    expect((await c.post(`${url}/pause`, {})).status).toBe(303);
    const paused = await c.get(url);
    expect(paused.text).toContain(`${url}/resume`);
    expect(paused.text).not.toContain(`${url}/pause`);
    expect((await c.post(`${url}/resume`, {})).status).toBe(303);
    expect((await c.get(`${url}/progress`)).body.status).toBe('sending');
    expect((await c.post(`${url}/cancel`, {})).status).toBe(303);
    const cancelled = await c.get(`${url}/progress`);
    expect(cancelled.body.status).toBe('cancelled');
    expect((await c.get(url)).text).not.toContain(`${url}/resume`);
  });
});
