import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';

type Site = Awaited<ReturnType<typeof createSite>>;

describe('Bounces and the send path', () => {
  let t: TestApp;
  let sink: SmtpSink;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const register = async (site: Site, email: string): Promise<string> =>
    (await site.backend.post(`/v1/sites/${site.slug}/subscribers`, { email }).expect(201)).body.id;
  const sendBulletin = async (site: Site, subject: string) => {
    const created = await site.marketing.post(`/v1/sites/${site.slug}/bulletins`, { subject, html: '<p>Hello</p>' }).expect(201);
    await site.marketing.post(`/v1/sites/${site.slug}/bulletins/${created.body.id}/send`).expect(202);
    return waitFor(async () => {
      const res = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${created.body.id}`).expect(200);
      return res.body.status === 'sent' ? res.body : null;
    }, 60_000);
  };
  const status = async (site: Site, id: string) => (await site.backend.get(`/v1/sites/${site.slug}/subscribers/${id}`).expect(200)).body.status;

  it('skips an address that hard-bounced or complained in the next bulletin', async () => {
    const site = await createSite(t);
    const tag = site.slug;
    await register(site, `ok-${tag}@example.ru`);
    const hard = await register(site, `hard-${tag}@example.ru`);
    const spam = await register(site, `spam-${tag}@example.ru`);
    await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: `hard-${tag}@example.ru`, type: 'hard', reason: '550 5.1.1' }).expect(202);
    await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: `spam-${tag}@example.ru`, type: 'complaint' }).expect(202);
    expect(await status(site, hard)).toBe('bounced');
    expect(await status(site, spam)).toBe('complained');

    const bulletin = await sendBulletin(site, `After bounces ${tag}`);
    expect(bulletin.stats).toMatchObject({ total: 1, sent: 1 });
    expect(sink.to(`ok-${tag}@example.ru`)).toHaveLength(1);
    expect(sink.to(`hard-${tag}@example.ru`)).toHaveLength(0);
    expect(sink.to(`spam-${tag}@example.ru`)).toHaveLength(0);
  });

  it('adds complaints and bounces reported by Message-ID to the bulletin’s stats', async () => {
    const site = await createSite(t);
    const tag = site.slug;
    const emails = ['a', 'b', 'c'].map((p) => `${p}-${tag}@example.ru`);
    for (const email of emails) await register(site, email);
    const bulletin = await sendBulletin(site, `Stats ${tag}`);
    const messageIdOf = (email: string) => sink.to(email)[0].parsed.messageId!;
    await site.backend.post(`/v1/sites/${site.slug}/bounces`, { messageId: messageIdOf(emails[0]), type: 'complaint' }).expect(202);
    await site.backend.post(`/v1/sites/${site.slug}/bounces`, { messageId: messageIdOf(emails[1]), type: 'soft', reason: 'mailbox full' }).expect(202);
    const after = await site.marketing.get(`/v1/sites/${site.slug}/bulletins/${bulletin.id}`).expect(200);
    expect(after.body.stats).toEqual({ total: 3, queued: 0, sent: 3, failed: 0, skipped: 0, bounced: 1, complained: 1 });
    const list = await site.marketing.get(`/v1/sites/${site.slug}/bulletins`).expect(200);
    expect(list.body.items.find((b: { id: string }) => b.id === bulletin.id).stats).toMatchObject({ bounced: 1, complained: 1 });
  });

  it('counts an SMTP 5.1.1 answer to a notice as a hard bounce', async () => {
    const site = await createSite(t, { confirmation: 'notice' });
    const email = `gone-${site.slug}@example.ru`;
    sink.behaviour = (rcpt) => (rcpt.includes(email) ? { accept: false, code: 550, message: '5.1.1 User unknown' } : { accept: true });
    try {
      const id = await register(site, email);
      await waitFor(async () => (await status(site, id)) === 'bounced');
      const [{ source }] = await t.db.query(`SELECT source FROM bounces WHERE subscriber_id = $1`, [id]);
      expect(source).toBe('smtp');
    } finally {
      sink.behaviour = () => ({ accept: true });
    }
  });

  it('counts an SMTP 5.1.1 answer during sending as a hard bounce, and a 5.7.1 one not', async () => {
    const site = await createSite(t);
    const tag = site.slug;
    await register(site, `fine-${tag}@example.ru`);
    const unknown = await register(site, `unknown-${tag}@example.ru`);
    const blocked = await register(site, `blocked-${tag}@example.ru`);
    sink.behaviour = (rcpt) =>
      rcpt.includes(`unknown-${tag}@example.ru`)
        ? { accept: false, code: 550, message: `5.1.1 <unknown-${tag}@example.ru>: Recipient address rejected: User unknown` }
        : rcpt.includes(`blocked-${tag}@example.ru`)
          ? { accept: false, code: 550, message: '5.7.1 Message rejected by policy' }
          : { accept: true };
    try {
      const first = await sendBulletin(site, `First ${tag}`);
      expect(first.stats).toEqual({ total: 3, queued: 0, sent: 1, failed: 2, skipped: 0, bounced: 1, complained: 0 });
      expect(await status(site, unknown)).toBe('bounced');
      expect(await status(site, blocked)).toBe('active');
      const ledger = await t.db.query(`SELECT type, channel, bulletin_id, detail FROM subscriber_events WHERE subscriber_id = $1 AND type = 'bounced'`, [unknown]);
      expect(ledger).toEqual([{ type: 'bounced', channel: 'bounce', bulletin_id: first.id, detail: expect.objectContaining({ bounceType: 'hard', source: 'smtp' }) }]);

      const second = await sendBulletin(site, `Second ${tag}`);
      expect(second.stats).toMatchObject({ total: 2 });
      expect(sink.to(`unknown-${tag}@example.ru`)).toHaveLength(0);
    } finally {
      sink.behaviour = () => ({ accept: true });
    }
  });
});
