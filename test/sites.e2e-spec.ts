import { createSite, createTestApp, TestApp, withKey } from './support/test-app';

const siteBody = (slug: string) => ({
  slug,
  name: 'ВСМЕТЕ',
  baseUrl: 'https://vsmete.ru',
  fromEmail: 'news@vsmete.ru',
  fromName: 'ВСМЕТЕ',
  confirmation: 'notice',
  locale: 'ru',
});

describe('Sites, keys and policies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('creates, reads, lists and patches a site', async () => {
    const created = await t.admin.post('/v1/sites', siteBody('vsmete')).expect(201);
    expect(created.body).toMatchObject({ slug: 'vsmete', confirmation: 'notice', replyTo: null });
    expect(created.body.id).toMatch(/^[0-9a-f-]{36}$/);
    await t.admin.get('/v1/sites/vsmete').expect(200);
    const list = await t.admin.get('/v1/sites').expect(200);
    expect(list.body.items.map((s: { slug: string }) => s.slug)).toContain('vsmete');
    const patched = await t.admin.patch('/v1/sites/vsmete', { confirmation: 'none' }).expect(200);
    expect(patched.body.confirmation).toBe('none');
  });

  it('refuses a taken slug with 409 slug_taken', async () => {
    await t.admin.post('/v1/sites', siteBody('taken')).expect(201);
    const again = await t.admin.post('/v1/sites', siteBody('taken')).expect(409);
    expect(again.body).toMatchObject({ statusCode: 409, code: 'slug_taken', error: 'Conflict' });
  });

  it.each(['A', 'x', 'has space', 'UPPER', 'a'.repeat(41), 'under_score'])('refuses slug %p', async (slug) => {
    const res = await t.admin.post('/v1/sites', siteBody(slug)).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.fields).toContain('slug');
  });

  it('names the offending field for unknown fields and bad types', async () => {
    const unknown = await t.admin.post('/v1/sites', { ...siteBody('unk'), colour: 'red' }).expect(400);
    expect(unknown.body.message.join(' ')).toContain('colour');
    const badType = await t.admin.post('/v1/sites', { ...siteBody('badtype'), confirmation: 7 }).expect(400);
    expect(badType.body.fields).toEqual(['confirmation']);
    const badEmail = await t.admin.post('/v1/sites', { ...siteBody('bademail'), fromEmail: 'nope' }).expect(400);
    expect(badEmail.body.fields).toEqual(['fromEmail']);
  });

  it('refuses CR/LF in fields that reach mail headers', async () => {
    const res = await t.admin.post('/v1/sites', { ...siteBody('crlf'), fromName: 'Evil\r\nBcc: x@y.z' }).expect(400);
    expect(res.body.fields).toContain('fromName');
  });

  it('answers 401 without a key or with an unknown one', async () => {
    const none = await t.http().get('/v1/sites').expect(401);
    expect(none.body).toMatchObject({ statusCode: 401, code: 'unauthorized' });
    await withKey(t.http, 'vsk_not-a-real-key-000000000000000000000000').get('/v1/sites').expect(401);
    await withKey(t.http, 'garbage').get('/v1/sites').expect(401);
  });

  it('shows a site key once, lists keys without secrets, and a revoked key gets 401 at once', async () => {
    const site = await createSite(t);
    const created = await t.admin.post(`/v1/sites/${site.slug}/keys`, { name: 'temp', role: 'backend' }).expect(201);
    expect(created.body.key).toMatch(/^vsk_[A-Za-z0-9_-]{43}$/);
    const list = await t.admin.get(`/v1/sites/${site.slug}/keys`).expect(200);
    expect(JSON.stringify(list.body)).not.toContain(created.body.key);
    expect(list.body.items).toHaveLength(3);

    const temp = withKey(t.http, created.body.key);
    await temp.get(`/v1/sites/${site.slug}`).expect(200);
    await t.admin.delete(`/v1/sites/${site.slug}/keys/${created.body.id}`).expect(204);
    await temp.get(`/v1/sites/${site.slug}`).expect(401);
    await t.admin.delete(`/v1/sites/${site.slug}/keys/00000000-0000-0000-0000-000000000000`).expect(404);
    await t.admin.delete(`/v1/sites/${site.slug}/keys/not-a-uuid`).expect(404);
  });

  it('keeps backend keys out of admin and marketing routes (403)', async () => {
    const site = await createSite(t);
    await site.backend.post('/v1/sites', siteBody('nope')).expect(403);
    await site.backend.patch(`/v1/sites/${site.slug}`, { name: 'x' }).expect(403);
    await site.backend.post(`/v1/sites/${site.slug}/keys`, { name: 'x', role: 'marketing' }).expect(403);
    await site.marketing.post(`/v1/sites/${site.slug}/keys`, { name: 'x', role: 'marketing' }).expect(403);
    const list = await site.backend.get('/v1/sites').expect(200);
    expect(list.body.items.map((s: { slug: string }) => s.slug)).toEqual([site.slug]);
  });

  it("gives another site's key 404 on this site's routes, never data", async () => {
    const mine = await createSite(t);
    const theirs = await createSite(t);
    const res = await mine.backend.get(`/v1/sites/${theirs.slug}`).expect(404);
    expect(JSON.stringify(res.body)).not.toContain(theirs.id);
    await mine.marketing.get(`/v1/sites/${theirs.slug}/policies`).expect(404);
    await t.admin.get('/v1/sites/does-not-exist').expect(404);
  });

  it('records policy versions; the newest published one is current', async () => {
    const site = await createSite(t);
    await t.admin
      .post(`/v1/sites/${site.slug}/policies`, { version: '2026-01-01', text: 'old', publishedAt: '2026-01-01T00:00:00Z' })
      .expect(201);
    const newer = await t.admin
      .post(`/v1/sites/${site.slug}/policies`, { version: '2026-11-01', url: 'https://vsmete.ru/privacy', text: 'Политика' })
      .expect(201);
    expect(newer.body.textSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(newer.body.current).toBe(true);
    await t.admin.post(`/v1/sites/${site.slug}/policies`, { version: '2026-11-01' }).expect(409);
    const list = await site.backend.get(`/v1/sites/${site.slug}/policies`).expect(200);
    expect(list.body.items.map((p: { version: string; current: boolean }) => [p.version, p.current])).toEqual([
      ['2026-11-01', true],
      ['2026-01-01', false],
    ]);
    await site.backend.post(`/v1/sites/${site.slug}/policies`, { version: 'x' }).expect(403);
  });

  it('pages the lists of sites, keys and policies with limit and cursor, each row once', async () => {
    const site = await createSite(t);
    const base = `/v1/sites/${site.slug}`;
    for (let i = 0; i < 4; i++) await t.admin.post(`${base}/keys`, { name: `key ${i}`, role: 'marketing' }).expect(201);
    // Two policies published at the same moment: the id breaks the tie, and neither is lost.
    for (const version of ['v1', 'v2', 'v3']) {
      await t.admin.post(`${base}/policies`, { version, publishedAt: version === 'v1' ? '2026-01-01T00:00:00Z' : '2026-02-01T00:00:00Z' }).expect(201);
    }
    for (let i = 0; i < 3; i++) await t.admin.post('/v1/sites', siteBody(`paged-${i}`)).expect(201);

    async function walk(path: string, limit: number) {
      const seen: { id: string; name?: string; version?: string; slug?: string }[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 100; pages++) {
        const query: string = `limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.admin.get(`${path}?${query}`).expect(200);
        expect(res.body.items.length).toBeLessThanOrEqual(limit);
        seen.push(...res.body.items);
        cursor = res.body.nextCursor;
        if (!cursor) return seen;
      }
      throw new Error(`${path} never ended`);
    }
    const allKeys = (await t.admin.get(`${base}/keys`).expect(200)).body;
    expect(allKeys.nextCursor).toBeNull();
    const keys = await walk(`${base}/keys`, 2);
    expect(keys.map((k) => k.id)).toEqual(allKeys.items.map((k: { id: string }) => k.id));
    expect(keys.length).toBeGreaterThanOrEqual(6); // createSite's backend and marketing keys, and these four
    expect(keys.every((k) => !('key' in k) && !('hash' in k))).toBe(true);

    const policies = await walk(`${base}/policies`, 1);
    expect(policies.map((p) => p.version).slice(-1)).toEqual(['v1']);
    expect(new Set(policies.map((p) => p.version))).toEqual(new Set(['v1', 'v2', 'v3']));

    const sites = await walk('/v1/sites', 2);
    const slugs = sites.map((x) => x.slug as string);
    expect(slugs).toEqual([...slugs].sort());
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(slugs).toEqual(expect.arrayContaining(['paged-0', 'paged-1', 'paged-2', site.slug]));
    // A site key sees its own site only, paged or not.
    expect((await site.backend.get('/v1/sites?limit=1').expect(200)).body).toMatchObject({ items: [{ slug: site.slug }], nextCursor: null });

    for (const path of ['/v1/sites', `${base}/keys`, `${base}/policies`]) {
      expect((await t.admin.get(`${path}?limit=0`).expect(400)).body.code).toBe('validation_failed');
      expect((await t.admin.get(`${path}?cursor=garbage`).expect(400)).body.code).toBe('invalid_cursor');
    }
    // A cursor naming another site's key moves nothing forward: it finds no row of this site.
    const other = await createSite(t);
    const otherKey = (await t.admin.get(`/v1/sites/${other.slug}/keys?limit=1`).expect(200)).body.nextCursor as string;
    expect((await t.admin.get(`${base}/keys?cursor=${otherKey}`).expect(200)).body.items).toEqual([]);
  });
});
