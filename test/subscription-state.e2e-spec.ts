import { SubscriptionStateService } from '../src/subscribers/subscription-state.service';
import { createSite, createTestApp, TestApp } from './support/test-app';

describe(SubscriptionStateService.name, () => {
  let t: TestApp;
  let state: SubscriptionStateService;
  let siteId: string;
  let otherSiteId: string;

  const insert = async (status: string, email: string, site = siteId): Promise<string> => {
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO subscribers (site_id, email, email_normalized, status) VALUES ($1, $2, lower($2), $3) RETURNING id`,
      [site, email, status],
    );
    return rows[0].id;
  };
  const events = (id: string) =>
    t.db.query(
      `SELECT type, channel, ip, user_agent, api_key_id, bulletin_id, source FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id`,
      [id],
    );

  beforeAll(async () => {
    t = await createTestApp();
    state = t.app.get(SubscriptionStateService);
    siteId = (await createSite(t)).id;
    otherSiteId = (await createSite(t)).id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('confirms a pending subscriber once, with one event', async () => {
    const id = await insert('pending', 'p1@example.test');
    const first = await state.confirm(siteId, id, { ip: '203.0.113.9', userAgent: 'UA' });
    expect(first.changed).toBe(true);
    expect(first.subscriber).toMatchObject({ id, status: 'active' });
    expect(first.subscriber?.confirmedAt).toBeInstanceOf(Date);
    const second = await state.confirm(siteId, id, {});
    expect(second).toMatchObject({ changed: false, subscriber: { id, status: 'active' } });
    expect(await events(id)).toEqual([
      expect.objectContaining({
        type: 'confirmed',
        channel: 'page',
        ip: '203.0.113.9',
        user_agent: 'UA',
      }),
    ]);
  });

  it('does not confirm across sites, missing or erased subscribers', async () => {
    const id = await insert('pending', 'p2@example.test');
    expect(await state.confirm(otherSiteId, id, {})).toEqual({ subscriber: null, changed: false });
    expect(await state.confirm(siteId, '00000000-0000-4000-8000-000000000000', {})).toEqual({
      subscriber: null,
      changed: false,
    });
    await t.db.query(
      `UPDATE subscribers SET erased_at = now(), email = NULL, email_normalized = NULL WHERE id = $1`,
      [id],
    );
    expect(await state.confirm(siteId, id, {})).toEqual({ subscriber: null, changed: false });
    expect(await events(id)).toEqual([]);
  });

  it('unsubscribes idempotently and records the channel, even under concurrent calls', async () => {
    const id = await insert('active', 'u1@example.test');
    const bulletinId = null;
    const results = await Promise.all(
      Array.from({ length: 10 }, () =>
        state.unsubscribe(siteId, id, 'one_click', { ip: '198.51.100.1', bulletinId }),
      ),
    );
    expect(results.filter((r) => r.changed)).toHaveLength(1);
    expect(results.every((r) => r.subscriber?.status === 'unsubscribed')).toBe(true);
    expect(await events(id)).toEqual([
      expect.objectContaining({ type: 'unsubscribed', channel: 'one_click', ip: '198.51.100.1' }),
    ]);
    const [row] = await t.db.query(
      `SELECT status, unsubscribed_at FROM subscribers WHERE id = $1`,
      [id],
    );
    expect(row.status).toBe('unsubscribed');
    expect(row.unsubscribed_at).toBeInstanceOf(Date);
  });

  it("unsubscribes pending and bounced subscribers but not another site's", async () => {
    const pending = await insert('pending', 'u2@example.test');
    const bounced = await insert('bounced', 'u3@example.test');
    expect(await state.unsubscribe(otherSiteId, pending, 'api', {})).toEqual({
      subscriber: null,
      changed: false,
    });
    expect((await state.unsubscribe(siteId, pending, 'page', {})).changed).toBe(true);
    expect(
      (await state.unsubscribe(siteId, bounced, 'api', { source: 'crm' })).subscriber?.status,
    ).toBe('unsubscribed');
    expect(await events(bounced)).toEqual([
      expect.objectContaining({ channel: 'api', source: 'crm' }),
    ]);
  });
});
