import { BouncesService } from '../src/bounces/bounces.service';
import { SnsCertificates } from '../src/bounces/sns-certificates';
import { verifyWebhookSignature } from '../src/webhooks/signature';
import {
  dsnMessage,
  mailgunEvent,
  makeSigningCertificate,
  sesBounce,
  sesComplaint,
  signedSns,
  SIGNING_CERT_URL,
} from './support/bounce-samples';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';
import { WebhookReceiver } from './support/webhook-receiver';

type Site = Awaited<ReturnType<typeof createSite>>;
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ses-bounces';

describe('Bounces and complaints', () => {
  let t: TestApp;
  let site: Site;
  let receiver: WebhookReceiver;
  let signing: { key: string; cert: string };
  const confirmed: string[] = [];

  const addSubscriber = async (email: string, siteId = site.id): Promise<string> => {
    const rows: { id: string }[] = await t.db.query(
      `INSERT INTO subscribers (site_id, email, email_normalized, status) VALUES ($1, $2, lower($2), 'active') RETURNING id`,
      [siteId, email],
    );
    return rows[0].id;
  };
  const statusOf = async (id: string) => (await t.db.query(`SELECT status FROM subscribers WHERE id = $1`, [id]))[0].status;
  const eventsOf = async (id: string) =>
    t.db.query(`SELECT type, channel, bulletin_id, detail FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id`, [id]);
  const bulletin = async (): Promise<string> =>
    (await t.db.query(`INSERT INTO bulletins (site_id, subject, html, status) VALUES ($1, 's', 'h', 'sent') RETURNING id`, [site.id]))[0].id;

  beforeAll(async () => {
    signing = makeSigningCertificate();
    receiver = await new WebhookReceiver().start();
    t = await createTestApp({ env: { WEBHOOKS_ALLOW_PRIVATE: 'true' } });
    site = await createSite(t);
    const certs = t.app.get(SnsCertificates);
    certs.fetch = async (url) => {
      if (url !== SIGNING_CERT_URL) throw new Error('unexpected certificate URL');
      return signing.cert;
    };
    certs.confirm = async (url) => confirmed.push(url);
  });
  afterAll(async () => {
    await t.close();
    await receiver.stop();
  });

  describe('POST /bounces', () => {
    it('turns a hard bounce into status bounced at once, with a ledger event and a webhook', async () => {
      const hook = await site.backend.post(`/v1/sites/${site.slug}/webhooks`, { url: receiver.url('/b'), events: ['subscriber.bounced'] }).expect(201);
      const id = await addSubscriber('Hard@Example.ru');
      const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'hard@example.RU', type: 'hard', reason: '550 5.1.1 <hard@example.ru> unknown' }).expect(202);
      expect(res.body).toEqual({ matched: true, subscriberId: id, status: 'bounced' });
      expect(await statusOf(id)).toBe('bounced');
      const events = await eventsOf(id);
      expect(events).toEqual([{ type: 'bounced', channel: 'bounce', bulletin_id: null, detail: { bounceType: 'hard', source: 'api', reason: '550 5.1.1 <address> unknown' } }]);
      const [call] = await waitFor(async () => (receiver.on('/b').length ? receiver.on('/b') : null));
      expect(verifyWebhookSignature(hook.body.secret, call.body, String(call.headers['vestnik-signature']))).toBe(true);
      expect(call.json).toMatchObject({ type: 'subscriber.bounced', data: { subscriberId: id, email: 'Hard@Example.ru', status: 'bounced', bounceType: 'hard' } });

      // Again: counted, but the status and the ledger do not change twice.
      await site.marketing.post(`/v1/sites/${site.slug}/bounces`, { email: 'hard@example.ru', type: 'hard', reason: 'again' }).expect(202);
      expect(await eventsOf(id)).toHaveLength(1);
    });

    it('turns a complaint into status complained', async () => {
      const id = await addSubscriber('spam@example.ru');
      const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'spam@example.ru', type: 'complaint', reason: 'abuse' }).expect(202);
      expect(res.body.status).toBe('complained');
      expect((await eventsOf(id))[0]).toMatchObject({ type: 'complained', channel: 'bounce' });
    });

    it('counts soft bounces: bounced after the site limit (default 3) within 30 days', async () => {
      const id = await addSubscriber('soft@example.ru');
      // Two old ones fall outside the window and do not count.
      await t.db.query(
        `INSERT INTO bounces (site_id, subscriber_id, type, source, created_at) VALUES ($1, $2, 'soft', 'api', now() - interval '31 days'), ($1, $2, 'soft', 'api', now() - interval '40 days')`,
        [site.id, id],
      );
      for (const expected of ['active', 'active', 'bounced']) {
        const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'soft@example.ru', type: 'soft', reason: 'mailbox full' }).expect(202);
        expect(res.body.status).toBe(expected);
      }
      expect((await eventsOf(id)).map((e: { type: string }) => e.type)).toEqual(['bounced']);
    });

    it('uses the site’s own soft-bounce limit', async () => {
      const strict = await createSite(t, { softBounceLimit: 1 });
      const id = await addSubscriber('once@example.ru', strict.id);
      const res = await strict.backend.post(`/v1/sites/${strict.slug}/bounces`, { email: 'once@example.ru', type: 'soft' }).expect(202);
      expect(res.body).toEqual({ matched: true, subscriberId: id, status: 'bounced' });
    });

    it('matches by Message-ID before the address: bulletin deliveries and transactional messages', async () => {
      const a = await addSubscriber('a@example.ru');
      const b = await addSubscriber('b@example.ru');
      const bulletinId = await bulletin();
      await t.db.query(`INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id, sent_at) VALUES ($1, $2, 'sent', '<d1.abc@vestnik.test>', now())`, [bulletinId, a]);
      await t.db.query(`INSERT INTO messages (site_id, subscriber_id, kind, status, message_id) VALUES ($1, $2, 'notice', 'sent', '<n1.abc@vestnik.test>')`, [site.id, b]);

      // The address given belongs to b, but the Message-ID names a's delivery: the Message-ID wins.
      const byDelivery = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { messageId: 'd1.abc@vestnik.test', email: 'b@example.ru', type: 'complaint' }).expect(202);
      expect(byDelivery.body).toEqual({ matched: true, subscriberId: a, status: 'complained' });
      expect((await eventsOf(a))[0]).toMatchObject({ type: 'complained', bulletin_id: bulletinId });
      const byMessage = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { messageId: '<n1.abc@vestnik.test>', type: 'hard' }).expect(202);
      expect(byMessage.body).toEqual({ matched: true, subscriberId: b, status: 'bounced' });

      const counts = await t.app.get(BouncesService).bulletinCounts([bulletinId]);
      expect(counts.get(bulletinId)).toEqual({ bounced: 0, complained: 1 });

      // Another site's Message-ID is not ours to match.
      const other = await createSite(t);
      const foreign = await other.backend.post(`/v1/sites/${other.slug}/bounces`, { messageId: 'd1.abc@vestnik.test', type: 'hard' }).expect(202);
      expect(foreign.body.matched).toBe(false);
    });

    it('answers 202 matched:false for an unknown address or Message-ID', async () => {
      const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'nobody@example.ru', type: 'hard' }).expect(202);
      expect(res.body).toEqual({ matched: false, subscriberId: null, status: null });
      await site.backend.post(`/v1/sites/${site.slug}/bounces`, { messageId: 'no.such@id', type: 'hard' }).expect(202);
    });

    it.each([
      [{ type: 'hard' }, 'validation_failed'],
      [{ email: 'x@example.ru', type: 'bouncy' }, 'validation_failed'],
      [{ email: 'x@example.ru', type: 'hard', extra: 1 }, 'validation_failed'],
      [{ email: 'not-an-address', type: 'hard' }, 'invalid_email'],
      [{ messageId: 'a\r\nBcc: x', type: 'hard' }, 'validation_failed'],
    ])('refuses %p with 400 %s', async (body, code) => {
      const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, body).expect(400);
      expect(res.body.code).toBe(code);
    });

    it('needs a key of the site', async () => {
      await t.http().post(`/v1/sites/${site.slug}/bounces`).send({ email: 'a@b.ru', type: 'hard' }).expect(401);
      const other = await createSite(t);
      await other.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'a@b.ru', type: 'hard' }).expect(404);
    });

    it('keeps no address in stored reasons, and erasure clears the reasons', async () => {
      const id = await addSubscriber('erase-me@example.ru');
      await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'erase-me@example.ru', type: 'soft', reason: 'mailbox of Erase Me <erase-me@example.ru> is full' }).expect(202);
      const [{ reason }] = await t.db.query(`SELECT reason FROM bounces WHERE subscriber_id = $1`, [id]);
      expect(reason).toBe('mailbox of Erase Me <address> is full');
      const exported = await site.backend.get(`/v1/sites/${site.slug}/subscribers/${id}/export`).expect(200);
      expect(exported.body.bounces).toEqual([
        { type: 'soft', source: 'api', reason: 'mailbox of Erase Me <address> is full', bulletinId: null, createdAt: expect.any(String) },
      ]);
      await site.backend.delete(`/v1/sites/${site.slug}/subscribers/${id}`).expect(204);
      const after = await t.db.query(`SELECT reason FROM bounces WHERE subscriber_id = $1`, [id]);
      expect(after).toEqual([{ reason: null }]);
      // An erased subscriber is not matched any more.
      const res = await site.backend.post(`/v1/sites/${site.slug}/bounces`, { email: 'erase-me@example.ru', type: 'hard' }).expect(202);
      expect(res.body.matched).toBe(false);
    });

    it('counts SMTP 5.1.x rejections from the send path as hard bounces, and only those', async () => {
      const id = await addSubscriber('smtp@example.ru');
      const bounces = t.app.get(BouncesService);
      expect(await bounces.recordSmtpRejection({ siteId: site.id, subscriberId: id, response: '550 5.7.1 Message rejected as spam' })).toBe(false);
      expect(await statusOf(id)).toBe('active');
      expect(await bounces.recordSmtpRejection({ siteId: site.id, subscriberId: id, response: '550 5.1.1 <smtp@example.ru>: User unknown' })).toBe(true);
      expect(await statusOf(id)).toBe('bounced');
    });
  });

  describe('bounce settings', () => {
    it('are set by marketing keys and never shown back', async () => {
      const put = await site.marketing
        .put(`/v1/sites/${site.slug}/bounce-settings`, { sesTopicArns: [TOPIC], postmarkUsername: 'postmark', postmarkPassword: 'pm-secret-0123456789', mailgunSigningKey: 'key-mailgun-0123456789abcdef' })
        .expect(200);
      expect(put.body).toEqual({ sesTopicArns: [TOPIC], postmarkUsername: 'postmark', postmarkConfigured: true, mailgunConfigured: true });
      const get = await site.marketing.get(`/v1/sites/${site.slug}/bounce-settings`).expect(200);
      expect(JSON.stringify(get.body)).not.toContain('secret');
      await site.backend.put(`/v1/sites/${site.slug}/bounce-settings`, { sesTopicArns: [] }).expect(403);
      const bad = await site.marketing.put(`/v1/sites/${site.slug}/bounce-settings`, { sesTopicArns: ['not-an-arn'] }).expect(400);
      expect(bad.body.fields).toContain('sesTopicArns');
      const short = await site.marketing.put(`/v1/sites/${site.slug}/bounce-settings`, { mailgunSigningKey: 'short' }).expect(400);
      expect(short.body.fields).toContain('mailgunSigningKey');
    });
  });

  describe('Amazon SES via SNS', () => {
    const post = (body: unknown, slug = site.slug) =>
      t.http().post(`/v1/sites/${slug}/bounces/ses`).set('content-type', 'text/plain; charset=UTF-8').send(JSON.stringify(body));

    it('accepts a signed bounce notification and matches it by Message-ID', async () => {
      const id = await addSubscriber('ses@example.ru');
      const bulletinId = await bulletin();
      await t.db.query(`INSERT INTO deliveries (bulletin_id, subscriber_id, status, message_id) VALUES ($1, $2, 'sent', '<ses.1@vestnik.test>')`, [bulletinId, id]);
      const res = await post(signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: sesBounce('someone-else@example.ru', 'Permanent', 'ses.1@vestnik.test') })).expect(200);
      expect(res.body).toEqual({ bounces: 1, matched: 1 });
      expect(await statusOf(id)).toBe('bounced');
      expect((await t.app.get(BouncesService).bulletinCounts([bulletinId])).get(bulletinId)).toEqual({ bounced: 1, complained: 0 });
    });

    it('accepts complaints, counts a retried notification once, and treats Transient as soft', async () => {
      const id = await addSubscriber('ses-c@example.ru');
      await post(signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: sesComplaint('ses-c@example.ru') })).expect(200);
      expect(await statusOf(id)).toBe('complained');

      const softId = await addSubscriber('ses-s@example.ru');
      const once = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: sesBounce('ses-s@example.ru', 'Transient') });
      for (let i = 0; i < 3; i++) await post(once).expect(200);
      expect(await statusOf(softId)).toBe('active');
      const [{ n }] = await t.db.query(`SELECT count(*)::int AS n FROM bounces WHERE subscriber_id = $1`, [softId]);
      expect(n).toBe(1);
    });

    it('accepts SignatureVersion 1 (SHA1withRSA) and a Subject, and refuses an unknown version', async () => {
      const id = await addSubscriber('ses-v1@example.ru');
      const v1 = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Subject: 'Amazon SES Email Event Notification', Message: sesBounce('ses-v1@example.ru', 'Permanent'), SignatureVersion: '1' });
      expect((await post(v1).expect(200)).body).toEqual({ bounces: 1, matched: 1 });
      expect(await statusOf(id)).toBe('bounced');
      const v3 = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: sesBounce('ses-v1@example.ru', 'Permanent'), SignatureVersion: '3' });
      expect((await post(v3).expect(401)).body.code).toBe('invalid_signature');
    });

    it('refuses a tampered message, a foreign topic, a non-SNS certificate URL and an unknown site alike', async () => {
      const id = await addSubscriber('ses-x@example.ru');
      const good = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: sesBounce('ses-x@example.ru', 'Permanent') });
      const tampered = { ...good, Message: sesBounce('ses-y@example.ru', 'Permanent') };
      const foreignTopic = signedSns(signing.key, { Type: 'Notification', TopicArn: 'arn:aws:sns:eu-west-1:999999999999:evil', Message: good.Message });
      const evilCert = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: good.Message, SigningCertURL: 'https://sns.eu-west-1.amazonaws.com.evil.example/SimpleNotificationService-1.pem' });
      const httpCert = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: good.Message, SigningCertURL: SIGNING_CERT_URL.replace('https', 'http') });
      for (const body of [tampered, foreignTopic, evilCert, httpCert]) {
        const res = await post(body).expect(401);
        expect(res.body.code).toBe('invalid_signature');
      }
      expect((await post(good, 'no-such-site').expect(401)).body.code).toBe('invalid_signature');
      expect(await statusOf(id)).toBe('active');
      const stale = signedSns(signing.key, { Type: 'Notification', TopicArn: TOPIC, Message: good.Message, Timestamp: new Date(Date.now() - 48 * 3600_000).toISOString() });
      expect((await post(stale).expect(400)).body.code).toBe('stale_notification');
      expect((await post({ hello: 'world' }).expect(400)).body.code).toBe('invalid_notification');
    });

    it('confirms a subscription only through an SNS URL', async () => {
      const subscribeUrl = 'https://sns.eu-west-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=abc';
      const ok = await post(signedSns(signing.key, { Type: 'SubscriptionConfirmation', TopicArn: TOPIC, Message: 'confirm', SubscribeURL: subscribeUrl, Token: 'abc' })).expect(200);
      expect(ok.body.confirmed).toBe(true);
      expect(confirmed).toEqual([subscribeUrl]);
      const evil = await post(signedSns(signing.key, { Type: 'SubscriptionConfirmation', TopicArn: TOPIC, Message: 'confirm', SubscribeURL: 'https://169.254.169.254/?Action=ConfirmSubscription', Token: 'abc' })).expect(200);
      expect(evil.body.confirmed).toBe(false);
      expect(confirmed).toHaveLength(1);
    });
  });

  describe('Postmark', () => {
    const auth = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    const payload = (email: string, type: string) => ({ RecordType: 'Bounce', ID: Math.floor(Math.random() * 1e9), Type: type, TypeCode: 1, MessageID: 'pm-uuid', Email: email, Description: 'The server was unable to deliver your message', Details: 'smtp;550 5.1.1 unknown', BouncedAt: new Date().toISOString() });

    it('accepts a hard bounce with the site’s basic-auth credentials', async () => {
      const id = await addSubscriber('pm@example.ru');
      const res = await t.http().post(`/v1/sites/${site.slug}/bounces/postmark`).set('authorization', auth('postmark', 'pm-secret-0123456789')).send(payload('pm@example.ru', 'HardBounce')).expect(200);
      expect(res.body).toEqual({ bounces: 1, matched: 1 });
      expect(await statusOf(id)).toBe('bounced');
      const complaintId = await addSubscriber('pm-c@example.ru');
      await t.http().post(`/v1/sites/${site.slug}/bounces/postmark`).set('authorization', auth('postmark', 'pm-secret-0123456789'))
        .send({ RecordType: 'SpamComplaint', ID: 42, Type: 'SpamComplaint', Email: 'pm-c@example.ru' }).expect(200);
      expect(await statusOf(complaintId)).toBe('complained');
    });

    it('refuses wrong or missing credentials and unconfigured sites', async () => {
      const id = await addSubscriber('pm-x@example.ru');
      for (const header of [auth('postmark', 'wrong-password-0000'), auth('other', 'pm-secret-0123456789'), 'Bearer x', '']) {
        const res = await t.http().post(`/v1/sites/${site.slug}/bounces/postmark`).set('authorization', header).send(payload('pm-x@example.ru', 'HardBounce')).expect(401);
        expect(res.body.code).toBe('invalid_signature');
      }
      const bare = await createSite(t);
      await t.http().post(`/v1/sites/${bare.slug}/bounces/postmark`).set('authorization', auth('postmark', 'pm-secret-0123456789')).send(payload('pm-x@example.ru', 'HardBounce')).expect(401);
      expect(await statusOf(id)).toBe('active');
    });
  });

  describe('Mailgun', () => {
    const key = 'key-mailgun-0123456789abcdef';
    it('accepts signed failed and complained events', async () => {
      const id = await addSubscriber('mg@example.ru');
      const body = mailgunEvent(key, { event: 'failed', severity: 'permanent', reason: 'bounce', recipient: 'mg@example.ru', 'delivery-status': { code: 550, message: '5.1.1 The email account does not exist' }, message: { headers: { 'message-id': 'mg.1@vestnik.test' } } });
      expect((await t.http().post(`/v1/sites/${site.slug}/bounces/mailgun`).send(body).expect(200)).body).toEqual({ bounces: 1, matched: 1 });
      expect(await statusOf(id)).toBe('bounced');
      const softId = await addSubscriber('mg-s@example.ru');
      await t.http().post(`/v1/sites/${site.slug}/bounces/mailgun`).send(mailgunEvent(key, { event: 'failed', severity: 'temporary', recipient: 'mg-s@example.ru', 'delivery-status': { code: 452, message: '4.2.2 Mailbox full' } })).expect(200);
      expect(await statusOf(softId)).toBe('active');
      const cId = await addSubscriber('mg-c@example.ru');
      await t.http().post(`/v1/sites/${site.slug}/bounces/mailgun`).send(mailgunEvent(key, { event: 'complained', recipient: 'mg-c@example.ru' })).expect(200);
      expect(await statusOf(cId)).toBe('complained');
    });

    it('refuses a wrong key, a tampered token and an old timestamp', async () => {
      const id = await addSubscriber('mg-x@example.ru');
      const data = { event: 'failed', severity: 'permanent', recipient: 'mg-x@example.ru' };
      const tampered = mailgunEvent(key, data);
      tampered.signature.token = tampered.signature.token.replace(/^./, 'Z');
      for (const body of [mailgunEvent('key-wrong-0123456789abcdef', data), tampered, mailgunEvent(key, data, Math.floor(Date.now() / 1000) - 3 * 86400), { 'event-data': data }]) {
        const res = await t.http().post(`/v1/sites/${site.slug}/bounces/mailgun`).send(body).expect(401);
        expect(res.body.code).toBe('invalid_signature');
      }
      expect(await statusOf(id)).toBe('active');
    });
  });

  describe('RFC 3464 DSN', () => {
    it('parses a forwarded report and matches the returned Message-ID', async () => {
      const id = await addSubscriber('dsn@example.ru');
      await t.db.query(`INSERT INTO messages (site_id, subscriber_id, kind, status, message_id) VALUES ($1, $2, 'confirm', 'sent', '<dsn.1@vestnik.test>')`, [site.id, id]);
      const res = await t.http().post(`/v1/sites/${site.slug}/bounces/dsn`).set('authorization', `Bearer ${site.keys.backend}`)
        .set('content-type', 'message/rfc822').send(dsnMessage('DSN@example.ru', '5.1.1', 'dsn.1@vestnik.test')).expect(202);
      expect(res.body).toEqual({ bounces: 1, matched: 1 });
      expect(await statusOf(id)).toBe('bounced');
    });

    it('counts a 4.x.x or non-address 5.x.x failure as soft', async () => {
      const id = await addSubscriber('dsn-soft@example.ru');
      await t.http().post(`/v1/sites/${site.slug}/bounces/dsn`).set('authorization', `Bearer ${site.keys.backend}`)
        .set('content-type', 'message/rfc822').send(dsnMessage('dsn-soft@example.ru', '5.2.2', 'none@x')).expect(202);
      expect(await statusOf(id)).toBe('active');
      const [{ type }] = await t.db.query(`SELECT type FROM bounces WHERE subscriber_id = $1`, [id]);
      expect(type).toBe('soft');
    });

    it('refuses a message without a delivery report, and needs a key', async () => {
      const res = await t.http().post(`/v1/sites/${site.slug}/bounces/dsn`).set('authorization', `Bearer ${site.keys.backend}`)
        .set('content-type', 'message/rfc822').send('From: a@b.ru\r\nSubject: hi\r\n\r\nhello\r\n').expect(400);
      expect(res.body.code).toBe('invalid_dsn');
      await t.http().post(`/v1/sites/${site.slug}/bounces/dsn`).set('content-type', 'message/rfc822').send(dsnMessage('a@b.ru', '5.1.1', 'x@y')).expect(401);
    });
  });
});
