import { addSubscribers, createBulletin, deliveryCounts, waitForStatus } from './support/bulletins';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor, withKey } from './support/test-app';

const bulletinsOf = (slug: string) => `/v1/sites/${slug}/bulletins`;

describe('Bulletins', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url, SEND_ATTEMPTS: '3' } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  afterEach(() => {
    sink.behaviour = () => ({ accept: true });
  });

  const mailsTo = (tag: string) => sink.messages.filter((m) => m.envelopeTo.some((r) => r.endsWith(`@${tag}.test`)));

  it('creates, reads, lists, edits and deletes drafts', async () => {
    const site = await createSite(t);
    const base = bulletinsOf(site.slug);
    const created = await site.marketing.post(base, { subject: 'S {{site.name}}', html: '<p>H</p>' }).expect(201);
    expect(created.body).toMatchObject({
      status: 'draft',
      text: null,
      error: null,
      scheduledAt: null,
      stats: { total: 0, queued: 0, sent: 0, failed: 0, skipped: 0, bounced: 0, complained: 0 },
    });
    const second = await createBulletin(site.marketing, site.slug);
    const page1 = await site.marketing.get(`${base}?limit=1`).expect(200);
    expect(page1.body.items).toHaveLength(1);
    expect(page1.body.items[0].id).toBe(second);
    const page2 = await site.marketing.get(`${base}?limit=1&cursor=${page1.body.nextCursor}`).expect(200);
    expect(page2.body.items[0].id).toBe(created.body.id);
    expect(page2.body.nextCursor).toBeNull();
    const patched = await site.marketing.patch(`${base}/${created.body.id}`, { text: 'Plain {{unsubscribeUrl}}' }).expect(200);
    expect(patched.body).toMatchObject({ text: 'Plain {{unsubscribeUrl}}', subject: 'S {{site.name}}' });
    await site.marketing.delete(`${base}/${created.body.id}`).expect(204);
    const gone = await site.marketing.get(`${base}/${created.body.id}`).expect(404);
    expect(gone.body.code).toBe('bulletin_not_found');
    const drafts = await site.marketing.get(`${base}?status=draft`).expect(200);
    expect(drafts.body.items.map((b: { id: string }) => b.id)).toEqual([second]);
  });

  it('pages through bulletins created within the same millisecond without skipping or repeating', async () => {
    const site = await createSite(t);
    const ids = [await createBulletin(site.marketing, site.slug), await createBulletin(site.marketing, site.slug), await createBulletin(site.marketing, site.slug)];
    await t.db.query(
      `UPDATE bulletins SET created_at = '2026-11-01T10:00:00.123000Z'::timestamptz + (interval '1 microsecond' * (array_position($1::uuid[], id)))
       WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: { id: string }[]; nextCursor: string | null } } = await site.marketing
        .get(`${bulletinsOf(site.slug)}?limit=1${cursor ? `&cursor=${cursor}` : ''}`)
        .expect(200);
      seen.push(...res.body.items.map((b: { id: string }) => b.id));
      cursor = res.body.nextCursor;
    } while (cursor && seen.length < 10);
    expect(seen).toEqual([...ids].reverse());
  });

  it('refuses bad input with a code', async () => {
    const site = await createSite(t);
    const other = await createSite(t);
    const base = bulletinsOf(site.slug);
    const id = await createBulletin(site.marketing, site.slug);
    const cases: [() => Promise<{ status: number; body: { code: string; fields?: string[] } }>, number, string, string?][] = [
      [() => site.marketing.post(base, { html: '<p>x</p>' }), 400, 'validation_failed', 'subject'],
      [() => site.marketing.post(base, { subject: 'x', html: '<p>x</p>', colour: 1 }), 400, 'validation_failed', 'colour'],
      [() => site.marketing.post(base, { subject: 'x\r\nBcc: a@b.c', html: 'x' }), 400, 'validation_failed', 'subject'],
      [() => site.marketing.post(base, { subject: 'x', html: '' }), 400, 'validation_failed', 'html'],
      [() => site.marketing.post(base, { subject: 'x', html: '{{#if}}x{{/if}}' }), 400, 'template_syntax'],
      [() => site.marketing.post(base, { subject: '{{', html: 'x' }), 400, 'template_syntax'],
      [() => site.marketing.patch(`${base}/${id}`, { text: '{{#each}}' }), 400, 'template_syntax'],
      [() => site.marketing.get(`${base}/not-a-uuid`), 404, 'bulletin_not_found'],
      [() => site.marketing.post(`${base}/not-a-uuid/send`), 404, 'bulletin_not_found'],
      [() => site.marketing.get(`${base}/00000000-0000-0000-0000-000000000000`), 404, 'bulletin_not_found'],
      [() => other.marketing.get(`${bulletinsOf(other.slug)}/${id}`), 404, 'bulletin_not_found'],
      [() => other.marketing.get(`${base}/${id}`), 404, 'site_not_found'],
      [() => site.backend.get(base), 403, 'forbidden'],
      [() => withKey(t.http, 'nope').get(base), 401, 'unauthorized'],
      [() => site.marketing.post(`${base}/${id}/send`, { at: 'tomorrow' }), 400, 'validation_failed', 'at'],
      [() => site.marketing.post(`${base}/${id}/test`, { emails: [] }), 400, 'validation_failed', 'emails'],
      [() => site.marketing.post(`${base}/${id}/test`, { emails: Array.from({ length: 11 }, (_, i) => `a${i}@x.test`) }), 400, 'validation_failed', 'emails'],
      [() => site.marketing.post(`${base}/${id}/test`, { emails: ['nope'] }), 400, 'validation_failed', 'emails'],
      [() => site.marketing.post(`${base}/${id}/test`, {}), 400, 'validation_failed', 'emails'],
      [() => site.marketing.post(`${base}/${id}/preview`, { subscriberId: 'x' }), 400, 'validation_failed', 'subscriberId'],
      [() => site.marketing.post(`${base}/${id}/preview`, { subscriberId: '00000000-0000-4000-8000-000000000000' }), 404, 'subscriber_not_found'],
      [() => site.marketing.get(`${base}/${id}/deliveries?status=bogus`), 400, 'validation_failed', 'status'],
      [() => site.marketing.get(`${base}/${id}/deliveries?limit=0`), 400, 'validation_failed', 'limit'],
      [() => site.marketing.get(`${base}/${id}/deliveries?cursor=%%%`), 400, 'invalid_cursor'],
      [() => site.marketing.get(`${base}?status=done`), 400, 'validation_failed', 'status'],
      [() => site.marketing.post(`${base}/${id}/pause`), 409, 'bulletin_not_sending'],
      [() => site.marketing.post(`${base}/${id}/resume`), 409, 'bulletin_not_paused'],
      [() => site.marketing.post(`${base}/${id}/cancel`), 409, 'bulletin_not_cancellable'],
      [() => site.marketing.post(`${base}/${id}/retry-failed`), 409, 'bulletin_not_started'],
    ];
    for (const [call, status, code, field] of cases) {
      const res = await call();
      expect({ status: res.status, code: res.body.code }).toEqual({ status, code });
      if (field) expect(res.body.fields).toContain(field);
    }
    // A subscriber of another site is not previewable here.
    const [stranger] = await addSubscribers(t, other.id, 1, `stranger-${other.slug}`);
    const res = await site.marketing.post(`${base}/${id}/preview`, { subscriberId: stranger.id }).expect(404);
    expect(res.body.code).toBe('subscriber_not_found');
  });

  it('allows no edits after send, and each transition only from its status (409 with a code)', async () => {
    const site = await createSite(t);
    const base = bulletinsOf(site.slug);
    const id = await createBulletin(site.marketing, site.slug);
    await site.marketing.post(`${base}/${id}/send`, { at: new Date(Date.now() + 3_600_000).toISOString() }).expect(202);
    const expectConflict = async (res: { status: number; body: { code: string } }, code: string) =>
      expect({ status: res.status, code: res.body.code }).toEqual({ status: 409, code });
    await expectConflict(await site.marketing.patch(`${base}/${id}`, { subject: 'x' }), 'bulletin_not_draft');
    await expectConflict(await site.marketing.delete(`${base}/${id}`), 'bulletin_not_draft');
    await expectConflict(await site.marketing.post(`${base}/${id}/send`), 'bulletin_not_draft');
    await expectConflict(await site.marketing.post(`${base}/${id}/pause`), 'bulletin_not_sending');
    await expectConflict(await site.marketing.post(`${base}/${id}/retry-failed`), 'bulletin_not_started');
    const cancelled = await site.marketing.post(`${base}/${id}/cancel`).expect(200);
    expect(cancelled.body.status).toBe('cancelled');
    await expectConflict(await site.marketing.post(`${base}/${id}/cancel`), 'bulletin_not_cancellable');
    await expectConflict(await site.marketing.post(`${base}/${id}/resume`), 'bulletin_not_paused');
  });

  it('sends once to every active subscriber of the site and to nobody else, with the contract headers', async () => {
    const site = await createSite(t, { fromName: 'Вестник', replyTo: 'reply@example.test' });
    const other = await createSite(t);
    const tag = `all-${site.slug}`;
    const active = await addSubscribers(t, site.id, 30, tag);
    await addSubscribers(t, site.id, 4, `pending-${site.slug}`, { status: 'pending' });
    await addSubscribers(t, site.id, 4, `gone-${site.slug}`, { status: 'unsubscribed' });
    await addSubscribers(t, other.id, 20, `other-${other.slug}`);
    const id = await createBulletin(site.marketing, site.slug, {
      subject: 'Hi {{subscriber.name}} from {{site.name}}',
      html: '<p>Dear {{subscriber.name}}, {{subscriber.attributes.missing}}!</p>',
    });
    const sending = await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`, {}).expect(202);
    expect(sending.body.status).toBe('sending');
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toEqual({ total: 30, queued: 0, sent: 30, failed: 0, skipped: 0, bounced: 0, complained: 0 });
    expect(done.finishedAt).not.toBeNull();

    expect(mailsTo(tag)).toHaveLength(30);
    expect(new Set(mailsTo(tag).map((m) => m.envelopeTo[0]))).toEqual(new Set(active.map((s) => s.email)));
    expect(mailsTo(`pending-${site.slug}`)).toHaveLength(0);
    expect(mailsTo(`gone-${site.slug}`)).toHaveLength(0);
    expect(mailsTo(`other-${other.slug}`)).toHaveLength(0);

    const mail = mailsTo(tag)[0];
    const headers = mail.parsed.headers;
    expect(headers.get('x-vestnik-bulletin')).toBe(id);
    expect(mail.parsed.from?.value[0]).toMatchObject({ name: 'Вестник', address: 'news@example.test' });
    expect(mail.parsed.replyTo?.value[0].address).toBe('reply@example.test');
    // mailparser folds List-* headers into one object: check the source.
    expect(mail.raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
    expect(mail.raw).toMatch(/^List-Id: <.+>/im);
    const unsubscribe = /<(http:\/\/vestnik\.test\/unsubscribe\/[^>]+)>/.exec(String(mail.raw.match(/List-Unsubscribe: (.*)/)?.[1]))?.[1];
    expect(unsubscribe).toBeDefined();
    expect(mail.parsed.html).toContain(unsubscribe);
    expect(mail.parsed.text).toContain(unsubscribe);
    // A missing variable renders empty instead of failing the message.
    expect(mail.parsed.html).toContain('Dear Name, !');
    expect(mail.parsed.subject).toBe('Hi Name from Test Site');

    // The ledger: one row per recipient, the Message-ID the message carried, emails shown.
    const list = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?limit=1000`).expect(200);
    expect(list.body.items).toHaveLength(30);
    const row = list.body.items.find((d: { email: string }) => d.email === mail.envelopeTo[0]);
    expect(row).toMatchObject({ status: 'sent', attempts: 1, error: null, messageId: mail.parsed.messageId && `<${mail.parsed.messageId.replace(/^<|>$/g, '')}>` });
    expect(row.sentAt).not.toBeNull();
    const paged = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?limit=20&status=sent`).expect(200);
    expect(paged.body.items).toHaveLength(20);
    const rest = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?limit=20&status=sent&cursor=${paged.body.nextCursor}`).expect(200);
    expect(rest.body.items).toHaveLength(10);
    expect(rest.body.nextCursor).toBeNull();

    // An erased subscriber stays in the ledger without an address.
    await t.db.query(`UPDATE subscribers SET email = NULL, email_normalized = NULL, erased_at = now() WHERE id = $1`, [active[0].id]);
    const afterErase = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?limit=1000`).expect(200);
    expect(afterErase.body.items.find((d: { subscriberId: string }) => d.subscriberId === active[0].id).email).toBeNull();
    // Completion happened exactly once.
    const events: { n: string }[] = await t.db.query(`SELECT count(*) AS n FROM bulletins WHERE id = $1 AND status = 'sent'`, [id]);
    expect(Number(events[0].n)).toBe(1);
  });

  it('previews for a subscriber or a sample, and test-sends outside the audience and stats', async () => {
    const site = await createSite(t);
    const [someone] = await addSubscribers(t, site.id, 1, `pv-${site.slug}`, { name: 'Ирина' });
    const id = await createBulletin(site.marketing, site.slug, {
      subject: 'For {{subscriber.name}}',
      html: '<p>Hello {{subscriber.name}} <{{subscriber.email}}></p>',
      text: 'Hello {{subscriber.name}}',
    });
    const base = `${bulletinsOf(site.slug)}/${id}`;
    const forSubscriber = await site.marketing.post(`${base}/preview`, { subscriberId: someone.id }).expect(200);
    expect(forSubscriber.body.subject).toBe('For Ирина');
    expect(forSubscriber.body.html).toContain(`Hello Ирина <${someone.email}>`);
    expect(forSubscriber.body.text).toContain('Hello Ирина');
    expect(forSubscriber.body.text).toContain('/unsubscribe/');
    const sample = await site.marketing.post(`${base}/preview`, {}).expect(200);
    expect(sample.body.subject).toBe('For Jane Doe');

    const tag = `tst-${site.slug}`;
    const res = await site.marketing.post(`${base}/test`, { emails: [`a@${tag}.test`, `b@${tag}.test`] }).expect(202);
    expect(res.body.items).toEqual([
      expect.objectContaining({ email: `a@${tag}.test`, status: 'sent', error: null }),
      expect.objectContaining({ email: `b@${tag}.test`, status: 'sent', error: null }),
    ]);
    expect(mailsTo(tag)).toHaveLength(2);
    expect(mailsTo(tag)[0].parsed.headers.get('x-vestnik-bulletin')).toBe(id);
    expect(mailsTo(tag)[0].parsed.headers.get('x-vestnik-test')).toBe('yes');
    const logged: { kind: string; recipient: string; status: string }[] = await t.db.query(
      `SELECT kind, recipient, status FROM messages WHERE bulletin_id = $1 ORDER BY recipient`,
      [id],
    );
    expect(logged).toEqual([
      { kind: 'test', recipient: `a@${tag}.test`, status: 'sent' },
      { kind: 'test', recipient: `b@${tag}.test`, status: 'sent' },
    ]);
    const after = await site.marketing.get(base).expect(200);
    expect(after.body).toMatchObject({ status: 'draft', stats: { total: 0, sent: 0 } });
  });

  it('starts a scheduled bulletin at its time, and a past time at once', async () => {
    const site = await createSite(t);
    const tag = `sch-${site.slug}`;
    await addSubscribers(t, site.id, 5, tag);
    const id = await createBulletin(site.marketing, site.slug);
    const at = new Date(Date.now() + 2500).toISOString();
    const scheduled = await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`, { at }).expect(202);
    expect(scheduled.body).toMatchObject({ status: 'scheduled', scheduledAt: at });
    expect(mailsTo(tag)).toHaveLength(0);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(new Date(done.startedAt).getTime()).toBeGreaterThanOrEqual(new Date(at).getTime() - 2000);
    expect(mailsTo(tag)).toHaveLength(5);

    const past = await createBulletin(site.marketing, site.slug);
    const now = await site.marketing.post(`${bulletinsOf(site.slug)}/${past}/send`, { at: '2020-01-01T00:00:00Z' }).expect(202);
    expect(now.body.status).toBe('sending');
    await waitForStatus(site.marketing, site.slug, past, 'sent');
    expect(mailsTo(tag)).toHaveLength(10);
  });

  it('retries a 4xx answer until it succeeds, fails a 5xx at once with the answer stored, and retry-failed re-queues exactly those', async () => {
    const site = await createSite(t);
    const tag = `err-${site.slug}`;
    const [soft, hard, ok, leaver] = await addSubscribers(t, site.id, 4, tag);
    const seen = new Map<string, number>();
    sink.behaviour = (rcpt) => {
      const to = rcpt[0];
      seen.set(to, (seen.get(to) ?? 0) + 1);
      if (to === soft.email && seen.get(to) === 1) return { accept: false, code: 450, message: '4.2.1 Mailbox busy, try later' };
      // A 5xx that says nothing about the address (5.1.x would make it a hard bounce, src/bounces).
      if (to === hard.email || to === leaver.email) return { accept: false, code: 554, message: '5.7.1 Message refused by policy' };
      return { accept: true };
    };
    const id = await createBulletin(site.marketing, site.slug);
    await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`).expect(202);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toEqual({ total: 4, queued: 0, sent: 2, failed: 2, skipped: 0, bounced: 0, complained: 0 });
    expect(seen.get(soft.email)).toBe(2);
    expect(seen.get(hard.email)).toBe(1);
    expect(mailsTo(tag).map((m) => m.envelopeTo[0]).sort()).toEqual([ok.email, soft.email].sort());

    const failed = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?status=failed`).expect(200);
    expect(failed.body.items).toHaveLength(2);
    expect(failed.body.items[0]).toMatchObject({ status: 'failed', attempts: 1, sentAt: null });
    expect(failed.body.items[0].error).toContain('554');
    const softRow = (await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?status=sent`)).body.items.find(
      (d: { email: string }) => d.email === soft.email,
    );
    expect(softRow.attempts).toBe(2);

    // One of the two left meanwhile: retry-failed takes only the one still active.
    await t.db.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [leaver.id]);
    sink.behaviour = () => ({ accept: true });
    const retried = await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/retry-failed`).expect(202);
    expect(retried.body).toEqual({ requeued: 1 });
    const again = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(again.stats).toEqual({ total: 4, queued: 0, sent: 3, failed: 1, skipped: 0, bounced: 0, complained: 0 });
    expect(mailsTo(tag).filter((m) => m.envelopeTo[0] === hard.email)).toHaveLength(1);
    expect(mailsTo(tag).filter((m) => m.envelopeTo[0] === leaver.email)).toHaveLength(0);
  });

  it('gives up on a temporary failure after SEND_ATTEMPTS', async () => {
    const site = await createSite(t);
    const tag = `tmp-${site.slug}`;
    const [stuck] = await addSubscribers(t, site.id, 1, tag);
    sink.behaviour = () => ({ accept: false, code: 452, message: '4.3.1 Insufficient system storage' });
    const id = await createBulletin(site.marketing, site.slug);
    await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`).expect(202);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent', 90_000);
    expect(done.stats).toMatchObject({ failed: 1, sent: 0 });
    const rows = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries`).expect(200);
    expect(rows.body.items[0]).toMatchObject({ subscriberId: stuck.id, status: 'failed', attempts: 3 });
    expect(rows.body.items[0].error).toContain('452');
  });

  it('slows down on 421 without spending attempts', async () => {
    const site = await createSite(t);
    const tag = `thr-${site.slug}`;
    await addSubscribers(t, site.id, 3, tag);
    let count = 0;
    sink.behaviour = () => (count++ === 0 ? { accept: false, code: 421, message: '4.7.0 Too many messages, slow down' } : { accept: true });
    const id = await createBulletin(site.marketing, site.slug);
    await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`).expect(202);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toMatchObject({ sent: 3, failed: 0 });
    const rows = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries`).expect(200);
    expect(rows.body.items.map((d: { attempts: number }) => d.attempts)).toEqual([1, 1, 1]);
    expect(mailsTo(tag)).toHaveLength(3);
  });

  it('counts a subscriber who left before their turn as skipped', async () => {
    const site = await createSite(t);
    const tag = `skp-${site.slug}`;
    const [, leaver] = await addSubscribers(t, site.id, 3, tag);
    const id = await createBulletin(site.marketing, site.slug);
    // Deliveries are written, then the subscriber leaves before any claim: pause right at the start.
    await t.db.query(`UPDATE bulletins SET status = 'paused', started_at = now() WHERE id = $1`, [id]);
    await t.db.query(
      `INSERT INTO deliveries (bulletin_id, subscriber_id, status) SELECT $1, id, 'queued' FROM subscribers WHERE site_id = $2`,
      [id, site.id],
    );
    await t.db.query(`UPDATE bulletins SET fanout_done = true WHERE id = $1`, [id]);
    await t.db.query(`UPDATE subscribers SET status = 'unsubscribed' WHERE id = $1`, [leaver.id]);
    await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/resume`).expect(200);
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toEqual({ total: 3, queued: 0, sent: 2, failed: 0, skipped: 1, bounced: 0, complained: 0 });
    expect(mailsTo(tag).some((m) => m.envelopeTo[0] === leaver.email)).toBe(false);
    const skipped = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries?status=skipped`).expect(200);
    expect(skipped.body.items[0]).toMatchObject({ subscriberId: leaver.id, error: 'subscriber unsubscribed' });
    await waitFor(async () => (await deliveryCounts(t, id)).sent === 2);
  });
});

describe('Bulletins: SMTP authentication failure', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: `smtp://user:secret@127.0.0.1:${sink.port}` } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  it('pauses the bulletin with the reason instead of failing every recipient; resume sends after the fix', async () => {
    const site = await createSite(t);
    await addSubscribers(t, site.id, 5, `auth-${site.slug}`);
    sink.authFails = true;
    const id = await createBulletin(site.marketing, site.slug);
    await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/send`).expect(202);
    const paused = await waitForStatus(site.marketing, site.slug, id, 'paused');
    expect(paused.error).toMatch(/authentication/i);
    expect(paused.stats).toMatchObject({ total: 5, queued: 5, failed: 0, sent: 0 });
    const rows = await site.marketing.get(`${bulletinsOf(site.slug)}/${id}/deliveries`).expect(200);
    expect(rows.body.items.every((d: { attempts: number }) => d.attempts === 0)).toBe(true);

    sink.authFails = false;
    const resumed = await site.marketing.post(`${bulletinsOf(site.slug)}/${id}/resume`).expect(200);
    expect(resumed.body.error).toBeNull();
    const done = await waitForStatus(site.marketing, site.slug, id, 'sent');
    expect(done.stats).toMatchObject({ sent: 5, failed: 0 });
    expect(sink.messages).toHaveLength(5);
  });
});
