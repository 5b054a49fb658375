import { loadConfig } from '../src/config/config';
import { TokensService } from '../src/tokens/tokens.service';
import { createSite, createTestApp, TestApp } from './support/test-app';
import { TOKEN_SECRETS } from './support/test-env';

/** Inserts a subscriber directly, in any status (the pages only read and change status). */
async function addSubscriber(
  t: TestApp,
  siteId: string,
  fields: { status: string; locale?: string | null; name?: string },
): Promise<string> {
  const email = `p${Math.random().toString(36).slice(2, 10)}@example.test`;
  const [row] = await t.db.query(
    `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status, attributes)
     VALUES ($1, $2, $2, $3, $4, $5, '{}') RETURNING id`,
    [siteId, email, fields.name ?? 'Иван', fields.locale ?? null, fields.status],
  );
  return row.id;
}

const statusOf = async (t: TestApp, id: string) =>
  (await t.db.query(`SELECT status FROM subscribers WHERE id = $1`, [id]))[0]?.status;
const eventsOf = async (t: TestApp, id: string) =>
  t.db.query(
    `SELECT type, channel, bulletin_id, ip, user_agent FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id`,
    [id],
  );

function expectPageHeaders(res: { headers: Record<string, string> }) {
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.headers['referrer-policy']).toBe('no-referrer');
  expect(res.headers['x-robots-tag']).toMatch(/^noindex/);
  expect(res.headers['set-cookie']).toBeUndefined();
}

describe('Public confirm and unsubscribe pages', () => {
  let t: TestApp;
  let tokens: TokensService;
  let site: { id: string; slug: string };
  let enSite: { id: string; slug: string };

  beforeAll(async () => {
    t = await createTestApp();
    tokens = t.app.get(TokensService);
    site = await createSite(t, {
      name: 'ВСМЕТЕ <Новости>',
      locale: 'ru',
      confirmation: 'double_opt_in',
    });
    enSite = await createSite(t, { name: 'Kristalux', locale: 'en' });
  });
  afterAll(async () => {
    await t.close();
  });

  const unsubscribePath = (siteId: string, subscriberId: string, bulletinId?: string) =>
    new URL(tokens.unsubscribeUrl({ siteId, subscriberId, bulletinId })).pathname;
  const confirmPath = (siteId: string, subscriberId: string) =>
    new URL(tokens.confirmUrl({ siteId, subscriberId })).pathname;

  it('GET /unsubscribe shows a page with one POST button in the subscriber language and changes nothing', async () => {
    const id = await addSubscriber(t, site.id, { status: 'active', locale: 'ru' });
    const path = unsubscribePath(site.id, id);
    for (let i = 0; i < 3; i++) {
      const res = await t.http().get(path).expect(200);
      expect(res.headers['content-type']).toMatch(/^text\/html; charset=utf-8/);
      expectPageHeaders(res);
      expect(res.text).toContain('<html lang="ru">');
      expect(res.text).toContain('ВСМЕТЕ &lt;Новости&gt;');
      expect(res.text).toContain('<form method="post" action="">');
      expect(res.text).toContain('Отписаться');
    }
    const english = await addSubscriber(t, site.id, { status: 'active', locale: 'en' });
    const en = await t.http().get(unsubscribePath(site.id, english)).expect(200);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Press the button');
    expect(await statusOf(t, id)).toBe('active');
    expect(await eventsOf(t, id)).toEqual([]);
  });

  it('POST from the page unsubscribes before answering with an HTML page; a second POST writes no second event', async () => {
    const id = await addSubscriber(t, site.id, { status: 'active' });
    const path = unsubscribePath(site.id, id);
    const res = await t
      .http()
      .post(path)
      .set('user-agent', 'Browser/1.0')
      .type('form')
      .send({ confirm: 'yes' })
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expectPageHeaders(res);
    expect(res.text).toContain('Вы отписались');
    expect(await statusOf(t, id)).toBe('unsubscribed');
    await t.http().post(path).type('form').send({ confirm: 'yes' }).expect(200);
    const events = await eventsOf(t, id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      type: 'unsubscribed',
      channel: 'page',
      user_agent: 'Browser/1.0',
    });
    expect(events[0].ip).toBeTruthy();
    // The page now says so, still without changing anything.
    expect((await t.http().get(path).expect(200)).text).toContain('Вы отписались');
  });

  it('POST with the RFC 8058 body as application/x-www-form-urlencoded answers a short text, records the bulletin', async () => {
    const id = await addSubscriber(t, enSite.id, { status: 'active' });
    const [bulletin] = await t.db.query(
      `INSERT INTO bulletins (site_id, subject, html, status) VALUES ($1, 's', 'h', 'draft') RETURNING id`,
      [enSite.id],
    );
    const path = unsubscribePath(enSite.id, id, bulletin.id);
    const res = await t
      .http()
      .post(path)
      .set('content-type', 'application/x-www-form-urlencoded')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expectPageHeaders(res);
    expect(res.text.length).toBeLessThan(100);
    expect(await statusOf(t, id)).toBe('unsubscribed');
    await t.http().post(path).type('form').send('List-Unsubscribe=One-Click').expect(200);
    const events = await eventsOf(t, id);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ channel: 'one_click', bulletin_id: bulletin.id });
  });

  it('POST with the RFC 8058 body as multipart/form-data answers a short text', async () => {
    const id = await addSubscriber(t, enSite.id, { status: 'active' });
    const res = await t
      .http()
      .post(unsubscribePath(enSite.id, id))
      .field('List-Unsubscribe', 'One-Click')
      .expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    expect(await statusOf(t, id)).toBe('unsubscribed');
    expect(await eventsOf(t, id)).toMatchObject([{ channel: 'one_click' }]);
  });

  it('POST with no body at all still unsubscribes (answering with the page)', async () => {
    const id = await addSubscriber(t, enSite.id, { status: 'pending' });
    const res = await t.http().post(unsubscribePath(enSite.id, id)).expect(200);
    expect(res.text).toContain('You are unsubscribed');
    expect(await statusOf(t, id)).toBe('unsubscribed');
  });

  it('GET /confirm changes nothing; POST confirms once; repeating is harmless', async () => {
    const id = await addSubscriber(t, site.id, { status: 'pending', locale: null });
    const path = confirmPath(site.id, id);
    const page = await t.http().get(path).expect(200);
    expectPageHeaders(page);
    expect(page.text).toContain('Подтвердить подписку');
    expect(page.text).toContain('ВСМЕТЕ &lt;Новости&gt;');
    expect(await statusOf(t, id)).toBe('pending');
    expect(await eventsOf(t, id)).toEqual([]);

    const done = await t.http().post(path).type('form').send({ confirm: 'yes' }).expect(200);
    expect(done.text).toContain('Подписка подтверждена');
    expect(await statusOf(t, id)).toBe('active');
    await t.http().post(path).type('form').send({ confirm: 'yes' }).expect(200);
    expect(await eventsOf(t, id)).toMatchObject([{ type: 'confirmed', channel: 'page' }]);
    expect((await t.http().get(path).expect(200)).text).toContain('Подписка подтверждена');
  });

  it('a confirm link does not bring back someone who unsubscribed since', async () => {
    const id = await addSubscriber(t, site.id, { status: 'unsubscribed' });
    const path = confirmPath(site.id, id);
    await t.http().get(path).expect(400);
    await t.http().post(path).type('form').send({ confirm: 'yes' }).expect(400);
    expect(await statusOf(t, id)).toBe('unsubscribed');
  });

  it('accepts tokens signed with an older key still listed in TOKEN_SECRETS', async () => {
    const id = await addSubscriber(t, enSite.id, { status: 'active' });
    const oldKid = TOKEN_SECRETS.split(',')[1];
    const old = new TokensService(
      loadConfig({ TOKEN_SECRETS: oldKid, PUBLIC_URL: 'http://vestnik.test' }),
    );
    const token = old.signUnsubscribe({ siteId: enSite.id, subscriberId: id });
    expect(t.app.get(TokensService).verify(token, 'unsubscribe')?.kid).toBe(oldKid.split(':')[0]);
    await t.http().get(`/unsubscribe/${token}`).expect(200);
    await t
      .http()
      .post(`/unsubscribe/${token}`)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(await statusOf(t, id)).toBe('unsubscribed');
  });

  describe('bad tokens get a 400 page and change nothing', () => {
    let id: string;
    let pendingId: string;
    const cases: Record<string, () => string> = {};

    beforeAll(async () => {
      id = await addSubscriber(t, enSite.id, { status: 'active', locale: 'en' });
      pendingId = await addSubscriber(t, enSite.id, { status: 'pending', locale: 'en' });
      const good = tokens.signUnsubscribe({ siteId: enSite.id, subscriberId: id });
      const goodConfirm = tokens.signConfirm({ siteId: enSite.id, subscriberId: pendingId });
      const flip = (s: string, i: number) =>
        s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);
      const stranger = new TokensService(
        loadConfig({ TOKEN_SECRETS: 'k9:unknown-secret-0123456789', PUBLIC_URL: 'http://x' }),
      );
      const sameKidOtherSecret = new TokensService(
        loadConfig({ TOKEN_SECRETS: 'k1:forged-secret-0123456789', PUBLIC_URL: 'http://x' }),
      );
      Object.assign(cases, {
        malformed: () => 'not-a-token',
        tampered: () => flip(good, 8),
        'tampered signature': () => flip(good, good.length - 2),
        truncated: () => good.slice(0, -3),
        'over-long': () => good + 'A'.repeat(300),
        'unknown key id': () => stranger.signUnsubscribe({ siteId: enSite.id, subscriberId: id }),
        'forged with a known key id': () =>
          sameKidOtherSecret.signUnsubscribe({ siteId: enSite.id, subscriberId: id }),
        'confirm token used to unsubscribe': () => goodConfirm,
        'another site': () => tokens.signUnsubscribe({ siteId: site.id, subscriberId: id }),
        'unknown subscriber': () =>
          tokens.signUnsubscribe({
            siteId: enSite.id,
            subscriberId: '00000000-0000-4000-8000-000000000000',
          }),
      });
    });

    it.each([
      'malformed',
      'tampered',
      'tampered signature',
      'truncated',
      'over-long',
      'unknown key id',
      'forged with a known key id',
      'confirm token used to unsubscribe',
      'another site',
      'unknown subscriber',
    ])('unsubscribe: %s', async (name) => {
      const token = cases[name]();
      const get = await t
        .http()
        .get(`/unsubscribe/${token}`)
        .set('accept-language', 'ru,en;q=0.5')
        .expect(400);
      expect(get.headers['content-type']).toMatch(/^text\/html/);
      expectPageHeaders(get);
      expect(get.text).toContain('Ссылка недействительна');
      const post = await t
        .http()
        .post(`/unsubscribe/${token}`)
        .type('form')
        .send({ confirm: 'yes' })
        .expect(400);
      expect(post.text).toContain('This link is not valid');
      const oneClick = await t
        .http()
        .post(`/unsubscribe/${token}`)
        .type('form')
        .send('List-Unsubscribe=One-Click')
        .expect(400);
      expect(oneClick.headers['content-type']).toMatch(/^text\/plain/);
      expect(await statusOf(t, id)).toBe('active');
      expect(await eventsOf(t, id)).toEqual([]);
    });

    it.each([
      [
        'expired',
        () =>
          tokens.signConfirm(
            { siteId: enSite.id, subscriberId: pendingId },
            Date.now() - 8 * 86_400_000,
          ),
      ],
      [
        'unsubscribe token used to confirm',
        () => tokens.signUnsubscribe({ siteId: enSite.id, subscriberId: pendingId }),
      ],
      ['tampered', () => cases.tampered()],
      ['over-long', () => 'x'.repeat(2000)],
    ])('confirm: %s', async (_name, make) => {
      const token = make();
      await t.http().get(`/confirm/${token}`).expect(400);
      const post = await t
        .http()
        .post(`/confirm/${token}`)
        .type('form')
        .send({ confirm: 'yes' })
        .expect(400);
      expect(post.text).toContain('This link is not valid');
      expect(await statusOf(t, pendingId)).toBe('pending');
    });

    it('an erased subscriber: 400 on every route, nothing changes', async () => {
      const erased = await addSubscriber(t, enSite.id, { status: 'pending' });
      await t.db.query(
        `UPDATE subscribers SET erased_at = now(), email = NULL, email_normalized = NULL, name = NULL WHERE id = $1`,
        [erased],
      );
      const unsubscribe = unsubscribePath(enSite.id, erased);
      const confirm = confirmPath(enSite.id, erased);
      await t.http().get(unsubscribe).expect(400);
      await t.http().post(unsubscribe).type('form').send('List-Unsubscribe=One-Click').expect(400);
      await t.http().post(unsubscribe).type('form').send({ confirm: 'yes' }).expect(400);
      await t.http().get(confirm).expect(400);
      await t.http().post(confirm).expect(400);
      expect(await statusOf(t, erased)).toBe('pending');
      expect(await eventsOf(t, erased)).toEqual([]);
    });
  });

  it('rate-limits the pages per client address with a 429 page', async () => {
    const limited = await createTestApp({ env: { PUBLIC_RATE_LIMIT_PER_MINUTE: '2' } });
    try {
      const path = '/unsubscribe/not-a-token';
      // @nestjs/throttler counts per route and client address.
      await limited.http().get(path).expect(400);
      await limited.http().get(path).expect(400);
      const res = await limited.http().get(path).set('accept-language', 'ru').expect(429);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expect(res.headers['retry-after']).toBeDefined();
      expect(res.text).toContain('Слишком много запросов');
      // The API is not throttled by the public limit.
      await limited.http().get('/health').expect(200);
    } finally {
      await limited.close();
    }
  });
});
