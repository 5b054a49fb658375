import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';

/** Export, erasure, suppression, list/patch and tenant isolation. No SMTP_URL: mail goes to the dev mailbox table. */
describe('Subscribers: export, erase, list, patch, tenants', () => {
  let t: TestApp;
  let site: Awaited<ReturnType<typeof createSite>>;
  let other: Awaited<ReturnType<typeof createSite>>;

  beforeAll(async () => {
    t = await createTestApp();
    site = await createSite(t, { confirmation: 'notice', locale: 'ru' });
    other = await createSite(t, { confirmation: 'none' });
  });
  afterAll(async () => {
    await t.close();
  });

  const path = (id = '') => `/v1/sites/${site.slug}/subscribers${id ? `/${id}` : ''}`;

  /** Every text-like column of every table whose value contains one of the needles. */
  async function findAnywhere(needles: string[]): Promise<string[]> {
    const columns: { table_name: string; column_name: string }[] = await t.db.query(
      `SELECT c.table_name, c.column_name FROM information_schema.columns c
         JOIN information_schema.tables t ON t.table_name = c.table_name AND t.table_schema = c.table_schema
        WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
          AND c.data_type IN ('text', 'character varying', 'character', 'json', 'jsonb', 'ARRAY', 'bytea')`,
    );
    expect(columns.length).toBeGreaterThan(20);
    const hits: string[] = [];
    for (const { table_name, column_name } of columns) {
      for (const needle of needles) {
        const [{ n }] = await t.db.query(
          `SELECT count(*)::int AS n FROM "${table_name}" WHERE position(lower($1) in lower("${column_name}"::text)) > 0`,
          [needle],
        );
        if (n > 0) hits.push(`${table_name}.${column_name} ~ ${needle}`);
      }
    }
    return hits;
  }

  it('exports the subscriber, the consent ledger and every message, then erases every trace', async () => {
    const email = 'Erase.Me@Пример.РФ';
    const stored = 'Erase.Me@xn--e1afmkfd.xn--p1ai';
    const personal = [
      stored,
      'erase.me@',
      'Зеленоградский Житель',
      '203.0.113.77',
      'UniqueAgent/9.9',
      'Зеленоград-42',
    ];
    const res = await site.backend
      .post(path(), {
        email,
        name: 'Зеленоградский Житель',
        attributes: { city: 'Зеленоград-42' },
        consent: { ip: '203.0.113.77', userAgent: 'UniqueAgent/9.9', source: 'checkout' },
      })
      .expect(201);
    const id = res.body.id;
    expect(res.body.email).toBe(stored);
    // The notice goes through the worker into the development mailbox and the messages log.
    await waitFor(
      async () =>
        (await t.db.query(`SELECT 1 FROM messages WHERE subscriber_id = $1`, [id])).length > 0,
    );
    const [mail] = await t.db.query(
      `SELECT raw, text FROM dev_mail WHERE lower(to_address) LIKE '%erase.me@%'`,
    );
    expect(mail).toBeDefined();
    const unsubscribe = /\/unsubscribe\/[A-Za-z0-9._~-]+/.exec(mail.text)?.[0] as string;
    expect(unsubscribe).toBeDefined();
    // A bulletin delivery (with an SMTP error quoting the address) and a test send to the address.
    const [bulletin] = await t.db.query(
      `INSERT INTO bulletins (site_id, subject, html, status) VALUES ($1, 'Новости', '<p>x</p>', 'sent') RETURNING id`,
      [site.id],
    );
    await t.db.query(
      `INSERT INTO deliveries (bulletin_id, subscriber_id, status, attempts, error, message_id, sent_at)
       VALUES ($1, $2, 'failed', 1, $3, '<b1@vestnik.test>', NULL)`,
      [bulletin.id, id, `450 mailbox ${stored} busy`],
    );
    await t.db.query(
      `INSERT INTO messages (site_id, bulletin_id, kind, status, recipient, subject, sent_at) VALUES ($1, $2, 'test', 'sent', $3, 'Тест', now())`,
      [site.id, bulletin.id, stored.toLowerCase()],
    );
    await site.backend.patch(path(id), { locale: 'en' }).expect(200);

    const exported = await site.backend.get(`${path(id)}/export`).expect(200);
    expect(exported.body.subscriber).toMatchObject({
      id,
      email: stored,
      name: 'Зеленоградский Житель',
      status: 'active',
    });
    expect(exported.body.events).toEqual([
      expect.objectContaining({
        type: 'registered',
        channel: 'api',
        ip: '203.0.113.77',
        userAgent: 'UniqueAgent/9.9',
        source: 'checkout',
        createdAt: expect.any(String),
      }),
      expect.objectContaining({ type: 'updated', channel: 'api', detail: { fields: ['locale'] } }),
    ]);
    expect(exported.body.messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'notice', status: 'sent', messageId: expect.any(String) }),
        expect.objectContaining({
          kind: 'bulletin',
          bulletinId: bulletin.id,
          subject: 'Новости',
          status: 'failed',
        }),
        expect.objectContaining({ kind: 'test', bulletinId: bulletin.id, status: 'sent' }),
      ]),
    );
    expect(exported.body.messages).toHaveLength(3);
    expect(await findAnywhere(personal)).not.toEqual([]);

    await site.backend.delete(path(id)).expect(204);

    expect(await findAnywhere(personal)).toEqual([]);
    expect((await site.backend.get(`${path(id)}/export`).expect(404)).body.code).toBe(
      'subscriber_not_found',
    );
    await site.backend.get(path(id)).expect(404);
    await site.backend.delete(path(id)).expect(404);
    await site.backend.post(`${path(id)}/unsubscribe`).expect(404);
    const [row] = await t.db.query(
      `SELECT status, erased_at, email, attributes FROM subscribers WHERE id = $1`,
      [id],
    );
    expect(row).toMatchObject({ status: 'unsubscribed', email: null, attributes: {} });
    expect(row.erased_at).toBeInstanceOf(Date);
    const ledger = await t.db.query(
      `SELECT type, ip, user_agent FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id`,
      [id],
    );
    expect(ledger.map((e: { type: string }) => e.type)).toEqual([
      'registered',
      'updated',
      'erased',
    ]);
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM suppressions WHERE site_id = $1`,
      [site.id],
    );
    expect(n).toBe(1);
    // Their old unsubscribe link is now a 400 page.
    await t.http().post(unsubscribe).type('form').send({}).expect(400);

    // An import never brings them back…
    const imported = await t
      .http()
      .post(`${path()}/import?source=old-crm`)
      .set('authorization', `Bearer ${site.keys.marketing}`)
      .set('content-type', 'text/csv')
      .send(`email,name\n${email},Someone\n`)
      .expect(200);
    expect(imported.body).toMatchObject({ created: 0, updated: 0, skipped: 1 });
    // …but the person registering again is a new consent.
    const back = await site.backend.post(path(), { email }).expect(201);
    expect(back.body.id).not.toBe(id);
  });

  it("answers 404 for another site's subscriber id on every route", async () => {
    const mine = await site.backend.post(path(), { email: 'mine@example.ru' }).expect(201);
    const id = mine.body.id;
    const theirs = (suffix = '') => `/v1/sites/${other.slug}/subscribers/${id}${suffix}`;
    for (const res of [
      await other.backend.get(theirs()),
      await other.backend.patch(theirs(), { name: 'x' }),
      await other.backend.post(theirs('/unsubscribe')),
      await other.backend.get(theirs('/export')),
      await other.backend.delete(theirs()),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('subscriber_not_found');
    }
    // Another site's path with my key: the site itself is not found.
    const cross = await other.backend.get(`/v1/sites/${site.slug}/subscribers/${id}`).expect(404);
    expect(cross.body.code).toBe('site_not_found');
    const list = await other.backend
      .get(`/v1/sites/${other.slug}/subscribers?email=mine@example.ru`)
      .expect(200);
    expect(list.body.items).toEqual([]);
    expect((await site.backend.get(path(id)).expect(200)).body.status).toBe('active');
    await site.backend.get(path('not-a-uuid')).expect(404);
    // The schema itself refuses a ledger event that files my subscriber under another site.
    await expect(
      t.db.query(
        `INSERT INTO subscriber_events (site_id, subscriber_id, type, channel) VALUES ($1, $2, 'updated', 'api')`,
        [other.id, id],
      ),
    ).rejects.toMatchObject({ driverError: { code: '23503' } });
  });

  it('lists with status and email filters and keyset pagination', async () => {
    const s = await createSite(t, { confirmation: 'none' });
    const p = `/v1/sites/${s.slug}/subscribers`;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++)
      ids.push((await s.backend.post(p, { email: `list${i}@example.ru` }).expect(201)).body.id);
    await s.backend.post(`${p}/${ids[1]}/unsubscribe`).expect(200);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await s.backend
        .get(`${p}?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((x) => x.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    const active = await s.backend.get(`${p}?status=active`).expect(200);
    expect(active.body.items).toHaveLength(4);
    const unsub = await s.backend.get(`${p}?status=unsubscribed`).expect(200);
    expect(unsub.body.items.map((x: { id: string }) => x.id)).toEqual([ids[1]]);
    const one = await s.backend.get(`${p}?email=LIST3@Example.RU`).expect(200);
    expect(one.body).toEqual({
      items: [expect.objectContaining({ id: ids[3] })],
      nextCursor: null,
    });
    expect((await s.backend.get(`${p}?cursor=garbage`).expect(400)).body.code).toBe(
      'invalid_cursor',
    );
    expect((await s.backend.get(`${p}?email=nope`).expect(400)).body.code).toBe('invalid_email');
    expect((await s.backend.get(`${p}?status=gone`).expect(400)).body.code).toBe(
      'validation_failed',
    );
    expect((await s.backend.get(`${p}?limit=0`).expect(400)).body.code).toBe('validation_failed');
    expect((await s.backend.get(`${p}?limit=1001`).expect(400)).body.code).toBe(
      'validation_failed',
    );
  });

  it('patches name, locale and attributes (null removes a key) and refuses header breaks', async () => {
    const created = await site.backend
      .post(path(), {
        email: 'patch@example.ru',
        name: 'Old',
        attributes: { city: 'Tver', plan: 'free' },
      })
      .expect(201);
    const id = created.body.id;
    const patched = await site.backend
      .patch(path(id), { name: 'New', locale: 'en', attributes: { plan: null, orders: 2 } })
      .expect(200);
    expect(patched.body).toMatchObject({
      name: 'New',
      locale: 'en',
      attributes: { city: 'Tver', orders: 2 },
    });
    expect(patched.body.attributes).not.toHaveProperty('plan');
    const cleared = await site.backend.patch(path(id), { name: null }).expect(200);
    expect(cleared.body.name).toBeNull();
    for (const body of [
      { name: 'Evil\r\nBcc: x@y.z' },
      { attributes: { city: 'a\nb' } },
      { attributes: { city: 'a\0b' } },
      { locale: 'fr' },
      { email: 'other@example.ru' },
      { status: 'active' },
    ]) {
      const res = await site.backend.patch(path(id), body).expect(400);
      expect(res.body.code).toBe('validation_failed');
    }
    await site.backend
      .patch(path('00000000-0000-4000-8000-000000000000'), { name: 'x' })
      .expect(404);
  });

  it('unsubscribes through the API idempotently, with one ledger event', async () => {
    const created = await site.backend.post(path(), { email: 'leave@example.ru' }).expect(201);
    const first = await site.backend.post(`${path(created.body.id)}/unsubscribe`).expect(200);
    const second = await site.backend.post(`${path(created.body.id)}/unsubscribe`).expect(200);
    expect(second.body).toEqual(first.body);
    const rows = await t.db.query(
      `SELECT channel FROM subscriber_events WHERE subscriber_id = $1 AND type = 'unsubscribed'`,
      [created.body.id],
    );
    expect(rows).toEqual([{ channel: 'api' }]);
  });

  it('requires a key: 401 without one', async () => {
    expect((await t.http().get(path()).expect(401)).body.code).toBe('unauthorized');
    expect(
      (await t.http().post(path()).send({ email: 'a@example.ru' }).expect(401)).body.code,
    ).toBe('unauthorized');
  });
});
