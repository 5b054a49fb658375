import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { MailSendError } from '../src/mail/transport/mail-transport';
import { SmtpTransport } from '../src/mail/transport/smtp.transport';
import { TransactionalMailService } from '../src/mail/transactional-mail.service';
import { MetricsService } from '../src/health/metrics.service';
import { JobName, QueueName } from '../src/queue/queue.constants';
import { ReceivedMail, SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';

const UNSUBSCRIBE_URL = /^http:\/\/vestnik\.test\/unsubscribe\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** Inserts a subscriber directly (bypassing registration, so tests control status and odd values). */
async function addSubscriber(
  t: TestApp,
  siteId: string,
  fields: { status: string; locale?: string | null; name?: string | null; email?: string },
): Promise<{ id: string; email: string }> {
  const email = fields.email ?? `m${Math.random().toString(36).slice(2, 10)}@example.test`;
  const [row] = await t.db.query(
    `INSERT INTO subscribers (site_id, email, email_normalized, name, locale, status, attributes)
     VALUES ($1, $2, lower($2), $3, $4, $5, '{"city":"Москва"}') RETURNING id`,
    [siteId, email, fields.name ?? null, fields.locale ?? null, fields.status],
  );
  return { id: row.id, email };
}

/** Raw value(s) of a header as received (mailparser turns List-* into a structure). */
function headerValues(mail: ReceivedMail, name: string): string[] {
  return mail.parsed.headerLines
    .filter((h) => h.key === name.toLowerCase())
    .map((h) =>
      h.line
        .slice(h.line.indexOf(':') + 1)
        .replace(/\r?\n[ \t]+/g, ' ')
        .trim(),
    );
}

/** Every header the contract asks for, read from what came over SMTP. */
function expectContractHeaders(
  mail: ReceivedMail,
  site: { slug: string; fromName: string; fromEmail: string },
) {
  const { parsed } = mail;
  expect(parsed.from?.value).toEqual([{ name: site.fromName, address: site.fromEmail }]);
  const [listUnsubscribe] = headerValues(mail, 'List-Unsubscribe');
  const url = /^<(http[^>]+)>/.exec(listUnsubscribe)?.[1] ?? '';
  expect(url).toMatch(UNSUBSCRIBE_URL);
  expect(url.length).toBeLessThan(150);
  expect(headerValues(mail, 'List-Unsubscribe-Post')).toEqual(['List-Unsubscribe=One-Click']);
  expect(headerValues(mail, 'List-Id')).toEqual([`<${site.slug}.vestnik.test>`]);
  expect(headerValues(mail, 'Message-ID')).toHaveLength(1);
  expect(parsed.messageId).toMatch(/^<[0-9a-f-]{36}@[^>]+>$/);
  expect(headerValues(mail, 'From')).toHaveLength(1);
  expect(parsed.html).toContain(url);
  expect(parsed.text).toContain(url);
  // Raw: the header is one unfolded line (DKIM-friendly) and the URL is whole.
  expect(mail.raw).toMatch(
    new RegExp(`^List-Unsubscribe: <${url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}>`, 'm'),
  );
  return url;
}

describe('Messages over SMTP', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let ru: Awaited<ReturnType<typeof createSite>>;
  let en: Awaited<ReturnType<typeof createSite>>;
  let mail: TransactionalMailService;
  const ruSite = {
    name: 'ВСМЕТЕ',
    fromName: 'ВСМЕТЕ',
    fromEmail: 'news@vsmete.ru',
    replyTo: 'team@vsmete.ru',
    unsubscribeMailto: 'leave@vsmete.ru',
    confirmation: 'double_opt_in',
    locale: 'ru',
  };
  const enSite = {
    name: 'Kristalux',
    fromName: 'Kristalux News',
    fromEmail: 'news@kristalux.com',
    confirmation: 'notice',
    locale: 'en',
  };

  beforeAll(async () => {
    sink = await new SmtpSink().start();
    t = await createTestApp({ env: { SMTP_URL: sink.url } });
    ru = await createSite(t, ruSite);
    en = await createSite(t, enSite);
    mail = t.app.get(TransactionalMailService);
  });
  afterAll(async () => {
    await t.close();
    await sink.stop();
  });
  beforeEach(() => {
    sink.behaviour = () => ({ accept: true });
  });

  it('a double opt-in registration sends a confirm message with every contract header, and its links work', async () => {
    const email = 'ivan.petrov@example.ru';
    const registered = await ru.backend
      .post(`/v1/sites/${ru.slug}/subscribers`, { email, name: 'Иван <b>', locale: 'ru' })
      .expect(201);
    expect(registered.body.status).toBe('pending');
    const [message] = await waitFor(async () => (sink.to(email).length ? sink.to(email) : null));
    const url = expectContractHeaders(message, { slug: ru.slug, ...ruSite });
    expect(message.parsed.replyTo?.value[0].address).toBe('team@vsmete.ru');
    expect(headerValues(message, 'List-Unsubscribe')[0]).toMatch(
      /^<http[^>]+>, <mailto:leave@vsmete\.ru\?subject=unsubscribe%20[^>]+>$/,
    );
    expect(message.parsed.subject).toBe('Подтвердите подписку на ВСМЕТЕ');
    expect(message.parsed.html).toContain('Здравствуйте, Иван &lt;b&gt;!');
    expect(message.parsed.text).toContain('Здравствуйте, Иван <b>!');
    const confirmUrl = /http:\/\/vestnik\.test\/confirm\/[A-Za-z0-9_.-]+/.exec(
      message.parsed.text ?? '',
    )?.[0];
    expect(message.parsed.html).toContain(confirmUrl);

    await t
      .http()
      .post(new URL(confirmUrl!).pathname)
      .type('form')
      .send({ confirm: 'yes' })
      .expect(200);
    expect(
      (await ru.backend.get(`/v1/sites/${ru.slug}/subscribers/${registered.body.id}`).expect(200))
        .body.status,
    ).toBe('active');
    await t
      .http()
      .post(new URL(url).pathname)
      .type('form')
      .send('List-Unsubscribe=One-Click')
      .expect(200);
    expect(
      (await ru.backend.get(`/v1/sites/${ru.slug}/subscribers/${registered.body.id}`).expect(200))
        .body.status,
    ).toBe('unsubscribed');
    const [logged] = await t.db.query(
      `SELECT kind, status, message_id, attempts FROM messages WHERE subscriber_id = $1`,
      [registered.body.id],
    );
    expect(logged).toMatchObject({
      kind: 'confirm',
      status: 'sent',
      message_id: message.parsed.messageId,
      attempts: 1,
    });
  });

  it('a registration on a notice site sends the notice in English with every contract header', async () => {
    const email = 'john@example.com';
    await en.backend.post(`/v1/sites/${en.slug}/subscribers`, { email, name: 'John' }).expect(201);
    const [message] = await waitFor(async () => (sink.to(email).length ? sink.to(email) : null));
    expectContractHeaders(message, { slug: en.slug, ...enSite });
    expect(message.parsed.replyTo).toBeUndefined();
    expect(headerValues(message, 'List-Unsubscribe')[0]).not.toContain('mailto:');
    expect(headerValues(message, 'Reply-To')).toEqual([]);
    expect(message.parsed.subject).toBe('You are subscribed to Kristalux');
    expect(message.parsed.text).toContain('Unsubscribe: http://vestnik.test/unsubscribe/');
  });

  it('gives every message its own Message-ID', async () => {
    const a = await addSubscriber(t, en.id, { status: 'active' });
    await mail.sendNotice(a.id);
    await mail.sendNotice(a.id);
    const ids = sink.to(a.email).map((m) => m.parsed.messageId);
    expect(ids).toHaveLength(2);
    expect(ids[0]).not.toBe(ids[1]);
  });

  it('skips a subscriber who is erased or whose status no longer fits', async () => {
    const active = await addSubscriber(t, ru.id, { status: 'active' });
    const pending = await addSubscriber(t, ru.id, { status: 'pending' });
    const erased = await addSubscriber(t, ru.id, { status: 'active' });
    await t.db.query(`UPDATE subscribers SET erased_at = now(), email = NULL WHERE id = $1`, [
      erased.id,
    ]);
    expect(await mail.sendConfirm(active.id)).toMatchObject({ status: 'skipped' });
    expect(await mail.sendNotice(pending.id)).toMatchObject({ status: 'skipped' });
    expect(await mail.sendNotice(erased.id)).toMatchObject({ status: 'skipped', reason: 'erased' });
    expect(await mail.sendNotice('00000000-0000-4000-8000-000000000000')).toMatchObject({
      status: 'skipped',
    });
    expect(sink.to(active.email).length + sink.to(pending.email).length).toBe(0);
  });

  it('records a permanent (5xx) failure without retrying, and counts it', async () => {
    const s = await addSubscriber(t, en.id, { status: 'active' });
    sink.behaviour = () => ({ accept: false, code: 550, message: '5.1.1 No such user' });
    expect(await mail.sendNotice(s.id, { attempt: 1, final: false })).toMatchObject({
      status: 'failed',
    });
    const [row] = await t.db.query(`SELECT status, error FROM messages WHERE subscriber_id = $1`, [
      s.id,
    ]);
    expect(row.status).toBe('failed');
    expect(row.error).toContain('550');
    const metrics = await t.app
      .get(MetricsService)
      .registry.getSingleMetricAsString('vestnik_messages_failed_total');
    expect(metrics).toMatch(/kind="notice"} [1-9]/);
  });

  it('throws a temporary (4xx) failure so the queue retries, and the retried job delivers', async () => {
    const s = await addSubscriber(t, en.id, { status: 'active' });
    sink.behaviour = () => ({ accept: false, code: 451, message: '4.7.1 Try again later' });
    await expect(mail.sendNotice(s.id, { attempt: 1, final: false })).rejects.toMatchObject({
      kind: 'temporary',
      responseCode: 451,
    });
    expect(
      await t.db.query(`SELECT 1 FROM messages WHERE subscriber_id = $1`, [s.id]),
    ).toHaveLength(0);

    let calls = 0;
    sink.behaviour = () =>
      calls++ === 0 ? { accept: false, code: 421, message: '4.3.2 Busy' } : { accept: true };
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Mail));
    await queue.add(JobName.SendNotice, { subscriberId: s.id });
    await waitFor(async () => sink.to(s.email).length > 0, 30_000);
    // The log row is written once the SMTP server has answered, a moment after the sink has the message.
    const row = await waitFor(async () => {
      const [found] = await t.db.query(
        `SELECT status, attempts FROM messages WHERE subscriber_id = $1 AND status = 'sent'`,
        [s.id],
      );
      return found;
    }, 10_000);
    expect(row).toMatchObject({ status: 'sent', attempts: 2 });
  });

  it('classifies real SMTP answers: 4xx temporary, 5xx permanent, 535 auth, refused connection temporary', async () => {
    const message = {
      from: { name: 'T', address: 't@example.test' },
      to: 'x@example.test',
      subject: 's',
      html: '<p>h</p>',
      text: 'h',
      messageId: '<1@example.test>',
      headers: {},
    };
    const url = new URL(sink.url);
    url.username = 'user';
    url.password = 'secret';
    const transport = new SmtpTransport(url.toString(), 1);
    try {
      sink.behaviour = () => ({ accept: false, code: 452, message: '4.2.2 Mailbox full' });
      await expect(transport.send(message)).rejects.toMatchObject({
        kind: 'temporary',
        responseCode: 452,
      });
      sink.behaviour = () => ({ accept: false, code: 554, message: '5.7.1 Rejected' });
      await expect(transport.send(message)).rejects.toMatchObject({
        kind: 'permanent',
        responseCode: 554,
      });
    } finally {
      await transport.close();
    }
    // Credentials are checked when a connection logs in: a new transport meets the refusal.
    sink.authFails = true;
    const refused = new SmtpTransport(url.toString(), 1);
    try {
      const auth = await refused.send(message).catch((e: unknown) => e);
      expect(auth).toBeInstanceOf(MailSendError);
      expect(auth).toMatchObject({ kind: 'auth', responseCode: 535 });
    } finally {
      sink.authFails = false;
      await refused.close();
    }
    const nowhere = new SmtpTransport('smtp://127.0.0.1:1', 1);
    await expect(nowhere.send(message)).rejects.toMatchObject({ kind: 'temporary' });
    await nowhere.close();
  });
});
