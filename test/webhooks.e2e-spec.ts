import { SubscriptionStateService } from '../src/subscribers/subscription-state.service';
import { verifyWebhookSignature } from '../src/webhooks/signature';
import { WebhookDeliveryService } from '../src/webhooks/webhook-delivery.service';
import { WebhookEventsService } from '../src/webhooks/webhook-events.service';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

type Site = Awaited<ReturnType<typeof createSite>>;

async function addSubscriber(t: TestApp, siteId: string, email: string): Promise<string> {
  const rows: { id: string }[] = await t.db.query(
    `INSERT INTO subscribers (site_id, email, email_normalized, status) VALUES ($1, $2, lower($2), 'active') RETURNING id`,
    [siteId, email],
  );
  return rows[0].id;
}

describe('Outbound webhooks', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;
  let site: Site;
  let events: WebhookEventsService;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({
      env: { WEBHOOKS_ALLOW_PRIVATE: 'true', WEBHOOKS_RETRY_BASE_MS: '100', WEBHOOKS_TIMEOUT_MS: '1000', RECOVERY_INTERVAL_SECONDS: '1' },
    });
    site = await createSite(t);
    events = t.app.get(WebhookEventsService);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  const register = async (path: string, types: string[]) => {
    const res = await site.backend.post(`/v1/sites/${site.slug}/webhooks`, { url: receiver.url(path), events: types }).expect(201);
    return res.body as { id: string; secret: string; url: string; events: string[] };
  };

  it('registers, lists without the secret, reads and deletes a webhook', async () => {
    const hook = await register('/crud', ['subscriber.registered', 'bulletin.sent']);
    expect(hook.secret).toMatch(/^whsec_[A-Za-z0-9_-]{43}$/);
    expect(hook).toMatchObject({ url: receiver.url('/crud'), events: ['subscriber.registered', 'bulletin.sent'] });
    const list = await site.marketing.get(`/v1/sites/${site.slug}/webhooks`).expect(200);
    expect(list.body.items.map((w: { id: string }) => w.id)).toContain(hook.id);
    expect(JSON.stringify(list.body)).not.toContain(hook.secret);
    const one = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(200);
    expect(one.body.secret).toBeUndefined();

    const other = await createSite(t);
    await other.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(404);
    await other.backend.get(`/v1/sites/${other.slug}/webhooks/${hook.id}`).expect(404);
    await other.backend.delete(`/v1/sites/${other.slug}/webhooks/${hook.id}`).expect(404);

    await site.backend.delete(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(204);
    const gone = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(404);
    expect(gone.body.code).toBe('webhook_not_found');
    await site.backend.get(`/v1/sites/${site.slug}/webhooks/not-a-uuid`).expect(404);
    await site.backend.delete(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(404);
  });

  it.each([
    [{ url: 'ftp://example.com/x', events: ['subscriber.registered'] }, 'url'],
    [{ url: 'not a url', events: ['subscriber.registered'] }, 'url'],
    [{ url: 'https://example.com/x', events: [] }, 'events'],
    [{ url: 'https://example.com/x', events: ['subscriber.exploded'] }, 'events'],
    [{ url: 'https://example.com/x', events: ['bulletin.sent', 'bulletin.sent'] }, 'events'],
    [{ url: 'https://example.com/x', events: ['bulletin.sent'], secret: 'mine' }, 'secret'],
  ])('refuses %p with 400 naming the field', async (body, field) => {
    const res = await site.backend.post(`/v1/sites/${site.slug}/webhooks`, body).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.fields).toContain(field);
  });

  it('refuses an unknown delivery status filter and a bad cursor', async () => {
    const hook = await register('/filters', ['subscriber.erased']);
    const status = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}/deliveries?status=lost`).expect(400);
    expect(status.body.fields).toContain('status');
    const cursor = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}/deliveries?cursor=zzz`).expect(400);
    expect(cursor.body.code).toBe('invalid_cursor');
  });

  it('POSTs a signed event, and nothing for event types the webhook did not ask for', async () => {
    const hook = await register('/signed', ['subscriber.registered']);
    const subscriberId = await addSubscriber(t, site.id, 'Ivan@example.ru');
    await events.emit(site.id, 'subscriber.confirmed', { subscriberId });
    await events.emit(site.id, 'subscriber.registered', { subscriberId, source: 'signup-form', email: 'leak@x.y' });
    const [call] = await waitFor(async () => (receiver.on('/signed').length ? receiver.on('/signed') : null));

    expect(call.headers['content-type']).toBe('application/json');
    const signature = String(call.headers['vestnik-signature']);
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature(hook.secret, call.body, signature)).toBe(true);
    expect(verifyWebhookSignature('whsec_wrong', call.body, signature)).toBe(false);
    expect(call.json).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'subscriber.registered',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT.*Z$/),
      data: { subscriberId, email: 'Ivan@example.ru', source: 'signup-form' },
    });

    const log = await waitFor(async () => {
      const res = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}/deliveries`).expect(200);
      return res.body.items[0]?.status === 'delivered' ? res.body : null;
    });
    expect(log.items).toHaveLength(1);
    expect(log.items[0]).toMatchObject({ eventId: call.json.id, eventType: 'subscriber.registered', attempts: 1, responseStatus: 200, error: null, nextAttemptAt: null });
    // The confirmed event was wanted by no webhook: no outbox row at all.
    const rows = await t.db.query(`SELECT count(*)::int AS n FROM webhook_events WHERE type = 'subscriber.confirmed'`);
    expect(rows[0].n).toBe(0);
    expect(receiver.calls.filter((c) => c.json.type === 'subscriber.confirmed')).toHaveLength(0);
  });

  it('retries after 500s with backoff and logs each attempt', async () => {
    receiver.answer = (call) => (call.path === '/flaky' && receiver.on('/flaky').length < 2 ? 500 : 200);
    const hook = await register('/flaky', ['bulletin.sent']);
    await events.emit(site.id, 'bulletin.sent', { bulletinId: '00000000-0000-4000-8000-000000000001' });
    const log = await waitFor(async () => {
      const res = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}/deliveries`).expect(200);
      return res.body.items[0]?.status === 'delivered' ? res.body : null;
    });
    expect(receiver.on('/flaky')).toHaveLength(3);
    expect(log.items[0]).toMatchObject({ attempts: 3, responseStatus: 200, status: 'delivered' });
    const ids = new Set(receiver.on('/flaky').map((c) => c.json.id));
    expect(ids.size).toBe(1); // the same event id each time, so receivers can de-duplicate
    receiver.answer = () => 200;
  });

  it('gives up on a call that takes longer than WEBHOOKS_TIMEOUT_MS and retries it', async () => {
    const hook = await register('/slow', ['bulletin.sent']);
    receiver.delay = (call) => (call.path === '/slow' && receiver.on('/slow').length === 1 ? 3000 : 0);
    try {
      await events.emit(site.id, 'bulletin.sent', { bulletinId: 'slow' });
      const log = await waitFor(async () => {
        const res = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${hook.id}/deliveries`).expect(200);
        return res.body.items[0]?.status === 'delivered' ? res.body : null;
      });
      expect(log.items[0]).toMatchObject({ attempts: 2, responseStatus: 200 });
      expect(receiver.on('/slow')).toHaveLength(2);
    } finally {
      receiver.delay = () => 0;
    }
  });

  it('keeps the order of one subscriber’s events while an earlier one is retried, others go ahead', async () => {
    await register('/ordered', ['subscriber.registered', 'subscriber.unsubscribed']);
    const first = await addSubscriber(t, site.id, 'first@example.ru');
    const second = await addSubscriber(t, site.id, 'second@example.ru');
    let failures = 0;
    receiver.answer = (call) => {
      if (call.path === '/ordered' && call.json.data.subscriberId === first && call.json.type === 'subscriber.registered' && failures < 3) {
        failures += 1;
        return 503;
      }
      return 200;
    };
    await events.emit(site.id, 'subscriber.registered', { subscriberId: first });
    await events.emit(site.id, 'subscriber.unsubscribed', { subscriberId: first });
    await events.emit(site.id, 'subscriber.registered', { subscriberId: second });

    await waitFor(async () => receiver.on('/ordered').filter((c) => c.json.data.subscriberId === first).length >= 5);
    const forFirst = receiver.on('/ordered').filter((c) => c.json.data.subscriberId === first).map((c) => c.json.type);
    expect(forFirst).toEqual([
      'subscriber.registered',
      'subscriber.registered',
      'subscriber.registered',
      'subscriber.registered',
      'subscriber.unsubscribed',
    ]);
    // The other subscriber was not held up by the first one's retries.
    const calls = receiver.on('/ordered');
    const secondAt = calls.findIndex((c) => c.json.data.subscriberId === second);
    const firstDoneAt = calls.findIndex((c) => c.json.type === 'subscriber.unsubscribed');
    expect(secondAt).toBeGreaterThanOrEqual(0);
    expect(secondAt).toBeLessThan(firstDoneAt);
    receiver.answer = () => 200;
  });

  it('sends no address for an erased subscriber', async () => {
    await register('/erased', ['subscriber.erased']);
    const id = await addSubscriber(t, site.id, 'gone@example.ru');
    await t.db.query(`UPDATE subscribers SET email = NULL, email_normalized = NULL, erased_at = now() WHERE id = $1`, [id]);
    await events.emit(site.id, 'subscriber.erased', { subscriberId: id, email: 'gone@example.ru' });
    const [call] = await waitFor(async () => (receiver.on('/erased').length ? receiver.on('/erased') : null));
    expect(call.json.data).toEqual({ subscriberId: id, email: null });
    expect(call.body).not.toContain('gone@');
    const stored = await t.db.query(`SELECT data FROM webhook_events WHERE subscriber_id = $1`, [id]);
    expect(JSON.stringify(stored)).not.toContain('gone@');
  });

  it('writes the outbox inside the caller’s transaction: nothing is sent after a rollback', async () => {
    await register('/tx', ['subscriber.confirmed']);
    const id = await addSubscriber(t, site.id, 'tx@example.ru');
    await expect(
      t.db.transaction(async (manager) => {
        await events.emit(site.id, 'subscriber.confirmed', { subscriberId: id, attempt: 'rolled-back' }, manager);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    await t.db.transaction(async (manager) => {
      await events.emit(site.id, 'subscriber.confirmed', { subscriberId: id, attempt: 'committed' }, manager);
    });
    await waitFor(async () => receiver.on('/tx').length >= 1);
    expect(receiver.on('/tx').map((c) => c.json.data.attempt)).toEqual(['committed']);
  });

  it('delivers outbox rows whose jobs Redis lost (recovery pass)', async () => {
    const hook = await register('/recovered', ['bulletin.sent']);
    // As if Redis had been flushed after the commit: rows exist, no job does.
    await t.db.query(
      `WITH e AS (INSERT INTO webhook_events (site_id, type, data) VALUES ($1, 'bulletin.sent', '{"lost":true}') RETURNING id, seq)
       INSERT INTO webhook_deliveries (webhook_id, event_id, event_seq, status, next_attempt_at)
       SELECT $2, e.id, e.seq, 'pending', now() - interval '1 minute' FROM e`,
      [site.id, hook.id],
    );
    const [call] = await waitFor(async () => (receiver.on('/recovered').length ? receiver.on('/recovered') : null));
    expect(call.json.data).toEqual({ lost: true });
  });

  it('announces registration, confirmation, unsubscription and erasure made through the API', async () => {
    const other = await createSite(t, { confirmation: 'double_opt_in' });
    const hook = await other.backend
      .post(`/v1/sites/${other.slug}/webhooks`, {
        url: receiver.url('/lifecycle'),
        events: ['subscriber.registered', 'subscriber.confirmed', 'subscriber.unsubscribed', 'subscriber.erased'],
      })
      .expect(201);
    const onlyErased = await other.backend.post(`/v1/sites/${other.slug}/webhooks`, { url: receiver.url('/only-erased'), events: ['subscriber.erased'] }).expect(201);
    const created = await other.backend
      .post(`/v1/sites/${other.slug}/subscribers`, { email: 'Life@Example.ru', consent: { source: 'signup-form' } })
      .expect(201);
    const id = created.body.id as string;
    // Registering again is not a new registration: no second event.
    await other.backend.post(`/v1/sites/${other.slug}/subscribers`, { email: 'life@example.ru' }).expect(200);
    await t.app.get(SubscriptionStateService).confirm(other.id, id, {});
    await other.backend.post(`/v1/sites/${other.slug}/subscribers/${id}/unsubscribe`).expect(200);
    await other.backend.delete(`/v1/sites/${other.slug}/subscribers/${id}`).expect(204);

    const calls = await waitFor(async () => (receiver.on('/lifecycle').length >= 4 ? receiver.on('/lifecycle') : null));
    expect(calls.map((c) => c.json.type)).toEqual(['subscriber.registered', 'subscriber.confirmed', 'subscriber.unsubscribed', 'subscriber.erased']);
    for (const call of calls) expect(verifyWebhookSignature(hook.body.secret, call.body, String(call.headers['vestnik-signature']))).toBe(true);
    expect(calls[0].json.data).toMatchObject({ subscriberId: id, status: 'pending', source: 'signup-form' });
    expect(calls[2].json.data).toMatchObject({ subscriberId: id, status: 'unsubscribed', channel: 'api' });
    // Sent after the erasure: no address in any of them any more.
    expect(calls[3].json.data).toEqual({ subscriberId: id, email: null });
    const erasedOnly = await waitFor(async () => (receiver.on('/only-erased').length ? receiver.on('/only-erased') : null));
    expect(erasedOnly.map((c) => c.json.type)).toEqual(['subscriber.erased']);
    expect(verifyWebhookSignature(onlyErased.body.secret, erasedOnly[0].body, String(erasedOnly[0].headers['vestnik-signature']))).toBe(true);
  });

  it('prunes events and their log after 30 days, unless a call is still open', async () => {
    const hook = await register('/old', ['bulletin.sent']);
    const insert = (status: string) =>
      t.db.query(
        `WITH e AS (INSERT INTO webhook_events (site_id, type, data, created_at) VALUES ($1, 'bulletin.sent', '{}', now() - interval '31 days') RETURNING id, seq)
         INSERT INTO webhook_deliveries (webhook_id, event_id, event_seq, status, next_attempt_at) SELECT $2, e.id, e.seq, $3, now() + interval '1 hour' FROM e RETURNING event_id`,
        [site.id, hook.id, status],
      );
    const [old] = await insert('delivered');
    const [open] = await insert('pending');
    await t.app.get(WebhookDeliveryService).prune();
    const left = await t.db.query(`SELECT id FROM webhook_events WHERE id = ANY($1::uuid[])`, [[old.event_id, open.event_id]]);
    expect(left).toEqual([{ id: open.event_id }]);
  });

  it('drops calls not yet made when the webhook is deleted', async () => {
    receiver.answer = (call) => (call.path === '/deleted' ? 500 : 200);
    const hook = await register('/deleted', ['bulletin.sent']);
    await events.emit(site.id, 'bulletin.sent', { bulletinId: 'x' });
    await waitFor(async () => receiver.on('/deleted').length >= 1);
    await site.backend.delete(`/v1/sites/${site.slug}/webhooks/${hook.id}`).expect(204);
    const rows = await waitFor(async () => {
      const r = await t.db.query(`SELECT status, error FROM webhook_deliveries WHERE webhook_id = $1`, [hook.id]);
      return r[0]?.status === 'failed' ? r : null;
    });
    expect(rows[0].error).toBe('webhook deleted');
    receiver.answer = () => 200;
  });
});

describe('Webhook SSRF guard', () => {
  let t: TestApp;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({ env: { RECOVERY_INTERVAL_SECONDS: '1' } });
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  it.each([
    'http://127.0.0.1:9/hook',
    'http://localhost:9/hook',
    'http://[::1]:9/hook',
    'http://169.254.169.254/latest/meta-data',
    'http://10.1.2.3/hook',
    'http://192.168.0.1/hook',
    'http://0.0.0.0/hook',
    'http://[fd00::1]/hook',
    'http://[::ffff:127.0.0.1]/hook',
  ])('refuses to register %s', async (url) => {
    const site = await createSite(t);
    const res = await site.backend.post(`/v1/sites/${site.slug}/webhooks`, { url, events: ['bulletin.sent'] }).expect(400);
    expect(res.body.code).toBe('webhook_url_not_allowed');
  });

  it('refuses a name that resolves to loopback at connect time (the agent’s lookup)', async () => {
    const site = await createSite(t);
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO webhooks (site_id, url, events, secret) VALUES ($1, $2, '{bulletin.sent}', 'whsec_test') RETURNING id`,
      [site.id, `http://localhost:${receiver.port}/by-name`],
    );
    await t.app.get(WebhookEventsService).emit(site.id, 'bulletin.sent', { bulletinId: 'b' });
    const log = await waitFor(async () => {
      const res = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${rows[0].id}/deliveries`).expect(200);
      return res.body.items[0]?.status === 'failed' ? res.body : null;
    });
    expect(log.items[0].error).toMatch(/address .* is not allowed/);
    expect(receiver.calls).toHaveLength(0);
  });

  it('refuses 127.0.0.1 at send time too (a name that re-bound after registration)', async () => {
    const site = await createSite(t);
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO webhooks (site_id, url, events, secret) VALUES ($1, $2, '{bulletin.sent}', 'whsec_test') RETURNING id`,
      [site.id, receiver.url('/internal')],
    );
    await t.app.get(WebhookEventsService).emit(site.id, 'bulletin.sent', { bulletinId: 'b' });
    const log = await waitFor(async () => {
      const res = await site.backend.get(`/v1/sites/${site.slug}/webhooks/${rows[0].id}/deliveries`).expect(200);
      return res.body.items[0]?.status === 'failed' ? res.body : null;
    });
    expect(log.items[0].error).toMatch(/not allowed/);
    expect(log.items[0].attempts).toBe(1);
    expect(receiver.calls).toHaveLength(0);
  });
});
