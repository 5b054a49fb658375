import { Queue } from 'bullmq';
import { getQueueToken } from '@nestjs/bullmq';
import { QueueName } from '../src/queue/queue.constants';
import { SmtpSink } from './support/smtp-sink';
import { AdminClient, createSite, createTestApp, TestApp, waitFor, withKey } from './support/test-app';

/** Registration by site backends: confirmation policies, idempotency, concurrency, addresses. */
describe('Subscribers: registration', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let mailQueue: Queue;

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
    mailQueue = t.app.get<Queue>(getQueueToken(QueueName.Mail));
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });

  const events = (id: string) =>
    t.db.query(
      `SELECT type, channel, ip, user_agent, source, policy_version, policy_sha256, api_key_id, detail
                  FROM subscriber_events WHERE subscriber_id = $1 ORDER BY id`,
      [id],
    );
  /** Waits until the mail queue has nothing left to do, so counting received mail is final. */
  const queueDrained = () =>
    waitFor(async () => {
      const counts = await mailQueue.getJobCounts('waiting', 'delayed', 'active', 'prioritized');
      return Object.values(counts).every((n) => n === 0);
    });

  describe('confirmation: none (kristalux.com)', () => {
    let site: Awaited<ReturnType<typeof createSite>>;
    beforeAll(async () => {
      site = await createSite(t, { confirmation: 'none' });
    });

    it('makes the subscriber active, returns 201 then 200, and sends nothing', async () => {
      const first = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, {
          email: '  Ivan.Petrov@Example.RU ',
          name: 'Иван',
          locale: 'ru',
          attributes: { city: 'Москва', orders: 3, vip: true },
          consent: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0', source: 'signup-form' },
        })
        .expect(201);
      expect(first.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        email: 'Ivan.Petrov@example.ru',
        name: 'Иван',
        locale: 'ru',
        attributes: { city: 'Москва', orders: 3, vip: true },
        status: 'active',
        createdAt: expect.any(String),
        confirmedAt: null,
        unsubscribedAt: null,
      });
      const again = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'ivan.petrov@EXAMPLE.ru' })
        .expect(200);
      expect(again.body.id).toBe(first.body.id);
      expect(again.body.email).toBe('Ivan.Petrov@example.ru');
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM subscribers WHERE site_id = $1`,
        [site.id],
      );
      expect(count).toBe(1);
      await queueDrained();
      expect(sink.to('Ivan.Petrov@example.ru')).toHaveLength(0);
      expect(await mailQueue.getJobCounts('completed', 'failed')).toEqual({
        completed: 0,
        failed: 0,
      });
    });

    it('gives new subscribers time-ordered ids (UUIDv7 layout), later ones sorting after earlier ones', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const res = await site.backend
          .post(`/v1/sites/${site.slug}/subscribers`, { email: `ordered-${i}@example.com` })
          .expect(201);
        ids.push(res.body.id);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect([...ids].sort()).toEqual(ids);
      const millis = parseInt(ids[0].replace(/-/g, '').slice(0, 12), 16);
      expect(Math.abs(millis - Date.now())).toBeLessThan(60_000);
      expect(new Set(ids).size).toBe(3);
    });

    it('records the consent with ip, user agent, source, key and the policy version and text hash', async () => {
      const text = 'Оставляя данные на сайте, Вы соглашаетесь с Политикой конфиденциальности.';
      await t.admin
        .post(`/v1/sites/${site.slug}/policies`, {
          version: '2026-11-01',
          text,
          url: 'https://kristalux.com/privacy',
        })
        .expect(201);
      const keys = await t.admin.get(`/v1/sites/${site.slug}/keys`).expect(200);
      const backendKeyId = (keys.body.items ?? keys.body).find(
        (k: { role: string }) => k.role === 'backend',
      ).id;
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, {
          email: 'consent@example.ru',
          consent: {
            policyVersion: '2026-11-01',
            ip: '2001:db8::1',
            userAgent: 'UA/1',
            source: 'order',
          },
        })
        .expect(201);
      const { createHash } = await import('node:crypto');
      expect(await events(res.body.id)).toEqual([
        {
          type: 'registered',
          channel: 'api',
          ip: '2001:db8::1',
          user_agent: 'UA/1',
          source: 'order',
          policy_version: '2026-11-01',
          policy_sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
          api_key_id: backendKeyId,
          detail: { outcome: 'created', confirmation: 'none' },
        },
      ]);
      // Without a version the current one is recorded.
      const current = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'current@example.ru' })
        .expect(201);
      expect((await events(current.body.id))[0].policy_version).toBe('2026-11-01');
    });

    it('refuses an unknown policy version with 400 and stores nothing', async () => {
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, {
          email: 'nopolicy@example.ru',
          consent: { policyVersion: '1999-01-01' },
        })
        .expect(400);
      expect(res.body.code).toBe('unknown_policy_version');
      const rows = await t.db.query(
        `SELECT 1 FROM subscribers WHERE email_normalized = 'nopolicy@example.ru'`,
      );
      expect(rows).toHaveLength(0);
    });

    it('treats IDN domains and their punycode as one address', async () => {
      const unicode = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, {
          email: 'Мария@Почта.РФ'.replace('Мария', 'maria'),
        })
        .expect(201);
      expect(unicode.body.email).toBe('maria@xn--80a1acny.xn--p1ai');
      const puny = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'MARIA@xn--80a1acny.xn--p1ai' })
        .expect(200);
      expect(puny.body.id).toBe(unicode.body.id);
      const found = await site.backend
        .get(`/v1/sites/${site.slug}/subscribers?email=${encodeURIComponent('maria@почта.рф')}`)
        .expect(200);
      expect(found.body.items.map((s: { id: string }) => s.id)).toEqual([unicode.body.id]);
    });

    it.each([
      ['no @', 'ivan.example.ru'],
      ['two @', 'ivan@petrov@example.ru'],
      ['a space', 'ivan petrov@example.ru'],
      ['a quoted local part', '"ivan"@example.ru'],
      ['a local part over 64', `${'a'.repeat(65)}@example.ru`],
      [
        'an address over 254',
        `${'a'.repeat(60)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.ru`,
      ],
      ['CR/LF', 'ivan@example.ru\r\nBcc: victim@example.ru'],
      ['a trailing LF', 'ivan@example.ru\n'],
      ['an empty string', ''],
      ['a number', 42],
      ['null', null],
      ['an array', ['ivan@example.ru']],
      ['an object', { address: 'ivan@example.ru' }],
    ])('refuses an address with %s: 400 invalid_email', async (_label, email) => {
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, code: 'invalid_email', fields: ['email'] });
    });

    it('refuses a missing address with 400 invalid_email', async () => {
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { name: 'x' })
        .expect(400);
      expect(res.body.code).toBe('invalid_email');
    });

    it.each([
      ['name with CR/LF', { name: 'Ivan\r\nBcc: x@y.z' }, 'name'],
      ['name with NUL', { name: 'Iv\0an' }, 'name'],
      ['attribute with LF', { attributes: { city: 'Moscow\nX-Evil: 1' } }, 'attributes'],
      ['nested attribute', { attributes: { deep: { a: 1 } } }, 'attributes'],
      ['attributes as array', { attributes: ['a'] }, 'attributes'],
      ['bad attribute key', { attributes: { 'bad key': 'x' } }, 'attributes'],
      ['unknown locale', { locale: 'xx' }, 'locale'],
      ['bad consent ip', { consent: { ip: 'not-an-ip' } }, 'consent'],
      ['unknown field', { colour: 'red' }, 'colour'],
    ])('refuses %s with 400 validation_failed naming the field', async (_label, extra, field) => {
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'fields@example.ru', ...extra })
        .expect(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.fields).toContain(field);
    });
  });

  describe('the key, checked by the registration statement itself', () => {
    let site: Awaited<ReturnType<typeof createSite>>;
    let other: Awaited<ReturnType<typeof createSite>>;
    let notice: Awaited<ReturnType<typeof createSite>>;
    beforeAll(async () => {
      site = await createSite(t, { confirmation: 'none' });
      other = await createSite(t, { confirmation: 'none' });
      notice = await createSite(t, { confirmation: 'notice' });
    });
    const rows = async (email: string) =>
      (await t.db.query(`SELECT site_id FROM subscribers WHERE email_normalized = $1`, [email])).map((r: { site_id: string }) => r.site_id);
    const post = (key: string, slug: string, body: object) =>
      withKey(t.http, key).post(`/v1/sites/${slug}/subscribers`, body);
    const unknownKey = 'vsk_not-a-real-key-000000000000000000000000';

    it('registers with the site key, a marketing key and the admin key', async () => {
      await post(site.keys.backend, site.slug, { email: 'k1@example.ru' }).expect(201);
      await post(site.keys.marketing, site.slug, { email: 'k2@example.ru' }).expect(201);
      await t.admin.post(`/v1/sites/${site.slug}/subscribers`, { email: 'k3@example.ru' }).expect(201);
      const [event] = await t.db.query(
        `SELECT e.api_key_id, k.name FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id
           LEFT JOIN api_keys k ON k.id = e.api_key_id WHERE s.email_normalized = 'k2@example.ru'`,
      );
      expect(event.name).toBe('marketing');
      expect(await rows('k1@example.ru')).toEqual([site.id]);
    });

    it('answers 401 to an unknown or revoked key and 404 to another site’s key, writing nothing', async () => {
      expect((await post(unknownKey, site.slug, { email: 'k4@example.ru' }).expect(401)).body.code).toBe('unauthorized');
      expect((await post(other.keys.backend, site.slug, { email: 'k4@example.ru' }).expect(404)).body.code).toBe('site_not_found');
      expect((await post(site.keys.backend, 'no-such-site', { email: 'k4@example.ru' }).expect(404)).body.code).toBe('site_not_found');
      const temp = await t.admin.post(`/v1/sites/${site.slug}/keys`, { name: 'temp', role: 'backend' }).expect(201);
      await post(temp.body.key, site.slug, { email: 'k5@example.ru' }).expect(201);
      await t.admin.delete(`/v1/sites/${site.slug}/keys/${temp.body.id}`).expect(204);
      await post(temp.body.key, site.slug, { email: 'k6@example.ru' }).expect(401);
      expect(await rows('k4@example.ru')).toEqual([]);
      expect(await rows('k6@example.ru')).toEqual([]);
    });

    it('answers for the key before the body: 401 or 404 also when the body is wrong', async () => {
      const bad = [{ email: 'not-an-address' }, { email: 'k7@example.ru', colour: 'red' }, { email: 'k7@example.ru', consent: { policyVersion: 'nope' } }];
      for (const body of bad) {
        expect((await post(unknownKey, site.slug, body).expect(401)).body.code).toBe('unauthorized');
        expect((await post(other.keys.backend, site.slug, body).expect(404)).body.code).toBe('site_not_found');
      }
      expect((await post(site.keys.backend, site.slug, bad[0]).expect(400)).body.code).toBe('invalid_email');
      expect((await post(site.keys.backend, site.slug, bad[1]).expect(400)).body.code).toBe('validation_failed');
      expect((await post(site.keys.backend, site.slug, bad[2]).expect(400)).body.code).toBe('unknown_policy_version');
      expect(await rows('k7@example.ru')).toEqual([]);
    });

    it('still sends the message of a site that confirms registrations', async () => {
      await post(notice.keys.backend, notice.slug, { email: 'k8@example.ru' }).expect(201);
      await waitFor(async () => sink.to('k8@example.ru').length === 1);
      await post(unknownKey, notice.slug, { email: 'k9@example.ru' }).expect(401);
      await queueDrained();
      expect(sink.to('k9@example.ru')).toHaveLength(0);
    });
  });

  describe('confirmation: notice (vsmete.ru)', () => {
    let site: Awaited<ReturnType<typeof createSite>>;
    beforeAll(async () => {
      site = await createSite(t, { confirmation: 'notice', locale: 'ru', name: 'ВСМЕТЕ' });
    });

    it('makes the subscriber active and sends one registration notice through the queue', async () => {
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'notice@example.ru', name: 'Пётр' })
        .expect(201);
      expect(res.body.status).toBe('active');
      const [mail] = await waitFor(async () =>
        sink.to('notice@example.ru').length ? sink.to('notice@example.ru') : null,
      );
      expect(mail.raw).toMatch(/^List-Unsubscribe: <http:\/\/vestnik\.test\/unsubscribe\//im);
      await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email: 'NOTICE@example.ru' })
        .expect(200);
      await queueDrained();
      expect(sink.to('notice@example.ru')).toHaveLength(1);
    });

    it('makes one row and at most one message from 30 simultaneous registrations', async () => {
      const email = 'race@example.ru';
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          site.backend.post(`/v1/sites/${site.slug}/subscribers`, {
            email: i % 2 ? email : email.toUpperCase().replace('@EXAMPLE.RU', '@example.ru'),
          }),
        ),
      );
      const statuses = answers.map((a) => a.status).sort();
      expect(statuses.filter((s) => s === 201)).toHaveLength(1);
      expect(statuses.filter((s) => s === 200)).toHaveLength(29);
      expect(new Set(answers.map((a) => a.body.id)).size).toBe(1);
      const [{ count }] = await t.db.query(
        `SELECT count(*)::int AS count FROM subscribers WHERE site_id = $1 AND email_normalized = $2`,
        [site.id, email],
      );
      expect(count).toBe(1);
      await waitFor(async () => sink.to(email).length > 0);
      await queueDrained();
      expect(sink.to(email)).toHaveLength(1);
    });

    it('applies the policy again when an unsubscribed person registers again', async () => {
      const email = 'comeback@example.ru';
      const first = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(201);
      await waitFor(async () => sink.to(email).length === 1);
      const left = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers/${first.body.id}/unsubscribe`)
        .expect(200);
      expect(left.body.status).toBe('unsubscribed');
      expect(left.body.unsubscribedAt).toEqual(expect.any(String));
      const back = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email, name: 'Вернулся' })
        .expect(200);
      expect(back.body).toMatchObject({
        id: first.body.id,
        status: 'active',
        unsubscribedAt: null,
        name: 'Вернулся',
      });
      await waitFor(async () => sink.to(email).length === 2);
      expect(
        (await events(first.body.id)).map(
          (e: { type: string; channel: string }) => `${e.type}/${e.channel}`,
        ),
      ).toEqual(['registered/api', 'unsubscribed/api', 'registered/api']);
    });
  });

  describe('confirmation: double_opt_in', () => {
    let site: Awaited<ReturnType<typeof createSite>>;
    beforeAll(async () => {
      site = await createSite(t, { confirmation: 'double_opt_in', locale: 'en' });
    });
    const confirmLink = (mail: { parsed: { text?: string } }) =>
      /http:\/\/vestnik\.test\/confirm\/[A-Za-z0-9._~-]+/.exec(mail.parsed.text ?? '')?.[0];

    it('keeps the subscriber pending until the confirm page is POSTed', async () => {
      const email = 'doi@example.com';
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(201);
      expect(res.body).toMatchObject({ status: 'pending', confirmedAt: null });
      const [mail] = await waitFor(async () => (sink.to(email).length ? sink.to(email) : null));
      const link = confirmLink(mail);
      expect(link).toBeDefined();
      const path = new URL(link as string).pathname;
      await t.http().get(path).expect(200);
      expect(
        (await site.backend.get(`/v1/sites/${site.slug}/subscribers/${res.body.id}`).expect(200))
          .body.status,
      ).toBe('pending');
      await t.http().post(path).type('form').send({}).expect(200);
      const after = await site.backend
        .get(`/v1/sites/${site.slug}/subscribers/${res.body.id}`)
        .expect(200);
      expect(after.body).toMatchObject({ status: 'active', confirmedAt: expect.any(String) });
      const types = (await events(res.body.id)).map((e: { type: string }) => e.type);
      expect(types).toEqual(['registered', 'confirmed']);
    });

    it('resends the confirm message to a pending subscriber at most once per 10 minutes', async () => {
      const email = 'resend@example.com';
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(201);
      await waitFor(async () => sink.to(email).length === 1);
      // Within 10 minutes: 200, no second message.
      await Promise.all(
        Array.from({ length: 5 }, () =>
          site.backend.post(`/v1/sites/${site.slug}/subscribers`, { email }).expect(200),
        ),
      );
      await queueDrained();
      expect(sink.to(email)).toHaveLength(1);
      // Ten minutes later (moved back in the database rather than waited for): exactly one more.
      await t.db.query(
        `UPDATE subscribers SET confirm_sent_at = now() - interval '11 minutes' WHERE id = $1`,
        [res.body.id],
      );
      await Promise.all(
        Array.from({ length: 5 }, () =>
          site.backend.post(`/v1/sites/${site.slug}/subscribers`, { email }).expect(200),
        ),
      );
      await waitFor(async () => sink.to(email).length === 2);
      await queueDrained();
      expect(sink.to(email)).toHaveLength(2);
      const outcomes = (await events(res.body.id)).map(
        (e: { detail: { outcome: string } }) => e.detail.outcome,
      );
      expect(outcomes.filter((o: string) => o === 'confirm_resent')).toHaveLength(1);
    });

    it('asks an unsubscribed person to confirm again when they register again', async () => {
      const email = 'again@example.com';
      const res = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(201);
      await t.db.query(
        `UPDATE subscribers SET status = 'active', confirmed_at = now() WHERE id = $1`,
        [res.body.id],
      );
      await site.backend
        .post(`/v1/sites/${site.slug}/subscribers/${res.body.id}/unsubscribe`)
        .expect(200);
      const back = await site.backend
        .post(`/v1/sites/${site.slug}/subscribers`, { email })
        .expect(200);
      expect(back.body).toMatchObject({ status: 'pending', confirmedAt: null });
      await waitFor(async () => sink.to(email).length === 2);
    });
  });

  describe('when Redis is down', () => {
    it('answers 503 queue_unavailable and leaves no row or event behind', async () => {
      const site = await createSite(t, { confirmation: 'notice' });
      const down = await createTestApp({
        reuse: t.env,
        env: { REDIS_URL: 'redis://127.0.0.1:1', VESTNIK_ROLE: 'api' },
      });
      try {
        const backend: AdminClient = {
          ...site.backend,
          post: (path, body) =>
            down
              .http()
              .post(path)
              .set('authorization', `Bearer ${site.keys.backend}`)
              .send(body ?? {}),
        };
        const res = await backend
          .post(`/v1/sites/${site.slug}/subscribers`, { email: 'noredis@example.ru' })
          .expect(503);
        expect(res.body).toMatchObject({ statusCode: 503, code: 'queue_unavailable' });
        const rows = await t.db.query(
          `SELECT id FROM subscribers WHERE email_normalized = 'noredis@example.ru'`,
        );
        expect(rows).toHaveLength(0);
        // A site that sends nothing does not need Redis to register.
        const quiet = await createSite(t, { confirmation: 'none' });
        await down
          .http()
          .post(`/v1/sites/${quiet.slug}/subscribers`)
          .set('authorization', `Bearer ${quiet.keys.backend}`)
          .send({ email: 'noredis@example.ru' })
          .expect(201);
      } finally {
        await down.close();
      }
    });
  });
});
