import { ConsoleClient } from './support/console-client';
import { createSite, createTestApp, TestApp } from './support/test-app';
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
    expect((await c.get('/console/admin/sites')).status).toBe(200);
  });

  it('marks the cookie Secure behind an https proxy', async () => {
    await new ConsoleClient(t).get('/console');
    const res = await t.http().get('/console').set('x-forwarded-proto', 'https');
    const cookies = res.headers['set-cookie'] as unknown as string[];
    expect(cookies.find((l) => l.startsWith('vestnik_csrf='))).toMatch(/Secure/);
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
});
