import { getQueueToken } from '@nestjs/bullmq';
import { Queue } from 'bullmq';
import { request as httpRequest } from 'node:http';
import { AddressInfo } from 'node:net';
import { QueueName } from '../src/queue/queue.constants';
import { createSite, createTestApp, TestApp } from './support/test-app';

/** CSV import: parsing, validation with line numbers, merge rules, suppression, limits. */
describe('Subscribers: CSV import', () => {
  let t: TestApp;
  let site: Awaited<ReturnType<typeof createSite>>;

  beforeAll(async () => {
    t = await createTestApp();
    site = await createSite(t, { confirmation: 'double_opt_in' });
  });
  afterAll(async () => {
    await t.close();
  });

  const importCsv = (
    body: string | Buffer,
    source = 'crm',
    key = site.keys.marketing,
    slug = site.slug,
  ) =>
    t
      .http()
      .post(`/v1/sites/${slug}/subscribers/import?source=${encodeURIComponent(source)}`)
      .set('authorization', `Bearer ${key}`)
      .set('content-type', 'text/csv; charset=utf-8')
      .send(body);
  const byEmail = async (email: string) =>
    (
      await t.db.query(`SELECT * FROM subscribers WHERE site_id = $1 AND email_normalized = $2`, [
        site.id,
        email,
      ])
    )[0];

  it('imports good rows (BOM, quoted fields, comma separator, attributes) and sends nothing', async () => {
    const csv =
      '\uFEFFemail,name,locale,city,plan\n' +
      'Anna@Example.RU,"Анна ""Аня"" Иванова",ru,"Москва, центр",gold\n' +
      'boris@example.ru,,en,,\n' +
      'vera@почта.рф,Вера,,Тверь,\n';
    const res = await importCsv(csv, 'crm-2026').expect(200);
    expect(res.body).toEqual({
      created: 3,
      updated: 0,
      skipped: 0,
      errors: [],
      errorCount: 0,
      errorsTruncated: false,
    });
    expect(await byEmail('anna@example.ru')).toMatchObject({
      email: 'Anna@example.ru',
      name: 'Анна "Аня" Иванова',
      locale: 'ru',
      attributes: { city: 'Москва, центр', plan: 'gold' },
      // Imported people gave their consent elsewhere: active even on a double opt-in site, and no message.
      status: 'active',
    });
    expect(await byEmail('boris@example.ru')).toMatchObject({
      name: null,
      locale: 'en',
      attributes: {},
    });
    expect(await byEmail('vera@xn--80a1acny.xn--p1ai')).toMatchObject({
      name: 'Вера',
      attributes: { city: 'Тверь' },
    });
    const events = await t.db.query(
      `SELECT e.type, e.channel, e.source, e.api_key_id FROM subscriber_events e JOIN subscribers s ON s.id = e.subscriber_id
        WHERE s.email_normalized = 'anna@example.ru'`,
    );
    expect(events).toEqual([
      { type: 'registered', channel: 'import', source: 'crm-2026', api_key_id: expect.any(String) },
    ]);
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Mail));
    expect(
      await queue.getJobCountByTypes('waiting', 'delayed', 'active', 'completed', 'failed'),
    ).toBe(0);
  });

  it('detects the ; separator and updates existing active and pending subscribers', async () => {
    const pending = await site.backend
      .post(`/v1/sites/${site.slug}/subscribers`, { email: 'pend@example.ru' })
      .expect(201);
    expect(pending.body.status).toBe('pending');
    const res = await importCsv(
      'email;name;city\r\nanna@example.ru;Анна;Казань\r\npend@example.ru;Павел;\r\n',
      'crm-2',
    ).expect(200);
    expect(res.body).toMatchObject({ created: 0, updated: 2, skipped: 0, errors: [] });
    // Attributes merge; the address keeps the spelling it was registered with.
    expect(await byEmail('anna@example.ru')).toMatchObject({
      email: 'Anna@example.ru',
      name: 'Анна',
      attributes: { city: 'Казань', plan: 'gold' },
    });
    expect(await byEmail('pend@example.ru')).toMatchObject({ name: 'Павел', status: 'pending' });
  });

  it('reports bad rows with their line numbers and imports the rest', async () => {
    const csv = [
      'email,name,locale', // 1
      'good1@example.ru,Good,ru', // 2
      'not-an-address,Bad,ru', // 3
      'two@@example.ru,Bad,', // 4
      '', // 5 (empty lines are ignored)
      'good2@example.ru,Good,xx', // 6: bad locale
      'good3@example.ru,Good', // 7: missing field
      '"quoted local"@example.ru,Bad,', // 8: quoted local part
      'good4@example.ru,Good,en', // 9
      '',
    ].join('\n');
    const res = await importCsv(csv).expect(200);
    expect(res.body.created).toBe(2);
    expect(res.body.skipped).toBe(5);
    expect(res.body.errorCount).toBe(5);
    expect(res.body.errors.map((e: { line: number }) => e.line)).toEqual([3, 4, 6, 7, 8]);
    expect(res.body.errors[0].message).toMatch(/@/);
    expect(res.body.errors[2].message).toMatch(/locale/);
    expect(res.body.errors[3].message).toMatch(/expected 3 fields, found 2/);
    expect(await byEmail('good4@example.ru')).toBeDefined();
  });

  it('counts lines inside quoted fields and CRLF endings when numbering errors', async () => {
    const csv =
      'email,name\r\nml1@example.ru,"two\r\nlines"\r\nbad-address,x\r\nml2@example.ru,ok\r\n';
    const res = await importCsv(csv).expect(200);
    expect(res.body.errors).toEqual([
      { line: 2, message: expect.stringMatching(/name/) },
      { line: 4, message: expect.any(String) },
    ]);
    expect(res.body).toMatchObject({ created: 1, skipped: 2 });
  });

  it('lets a later line win over an earlier one for the same address and skips the earlier one', async () => {
    const res = await importCsv('email,name\ndup@example.ru,First\nDUP@example.ru,Second\n').expect(
      200,
    );
    expect(res.body).toMatchObject({ created: 1, updated: 0, skipped: 1 });
    expect(await byEmail('dup@example.ru')).toMatchObject({ name: 'Second' });
  });

  it('never re-activates an unsubscribed, bounced or erased address', async () => {
    const left = await site.backend
      .post(`/v1/sites/${site.slug}/subscribers`, { email: 'left@example.ru', name: 'Left' })
      .expect(201);
    await site.backend
      .post(`/v1/sites/${site.slug}/subscribers/${left.body.id}/unsubscribe`)
      .expect(200);
    const erased = await site.backend
      .post(`/v1/sites/${site.slug}/subscribers`, { email: 'gone@example.ru' })
      .expect(201);
    await site.backend.delete(`/v1/sites/${site.slug}/subscribers/${erased.body.id}`).expect(204);
    await importCsv('email\nbounced@example.ru\n').expect(200);
    await t.db.query(
      `UPDATE subscribers SET status = 'bounced' WHERE email_normalized = 'bounced@example.ru'`,
    );

    const res = await importCsv(
      'email,name\nleft@example.ru,Changed\nGONE@example.ru,Back\nbounced@example.ru,X\nnew@example.ru,New\n',
    ).expect(200);
    expect(res.body).toMatchObject({ created: 1, updated: 0, skipped: 3, errors: [] });
    expect(await byEmail('left@example.ru')).toMatchObject({
      status: 'unsubscribed',
      name: 'Left',
    });
    expect(await byEmail('bounced@example.ru')).toMatchObject({ status: 'bounced' });
    expect(await byEmail('gone@example.ru')).toBeUndefined();
  });

  it('caps the error list at 1000 and says so', async () => {
    const lines = ['email'];
    for (let i = 0; i < 1500; i++) lines.push(`bad${i}`);
    lines.push('fine@example.ru');
    const res = await importCsv(lines.join('\n')).expect(200);
    expect(res.body).toMatchObject({
      created: 1,
      skipped: 1500,
      errorCount: 1500,
      errorsTruncated: true,
    });
    expect(res.body.errors).toHaveLength(1000);
    expect(res.body.errors[999]).toEqual({ line: 1001, message: expect.any(String) });
  });

  it.each([
    ['no email column', 'csv_missing_email', 'name,city\nx,y\n'],
    ['a repeated column', 'csv_bad_header', 'email,name,Name\na@example.ru,x,y\n'],
    ['a bad attribute column name', 'csv_bad_header', 'email,"my city"\na@example.ru,x\n'],
    ['an empty body', 'csv_empty', ''],
    ['only empty lines', 'csv_empty', '\n\n\n'],
    [
      'a quote that is never closed',
      'csv_malformed',
      'email,name\na@example.ru,"Anna\nb@example.ru,Boris\n',
    ],
  ])('refuses a file with %s: 400 %s', async (_label, code, csv) => {
    const res = await importCsv(csv).expect(400);
    expect(res.body.code).toBe(code);
  });

  it('refuses invalid UTF-8 with 400 csv_encoding and imports nothing', async () => {
    const body = Buffer.concat([
      Buffer.from('email,name\nlatin1@example.ru,'),
      Buffer.from([0xe9, 0x0a]),
    ]);
    expect((await importCsv(body).expect(400)).body.code).toBe('csv_encoding');
    expect(await byEmail('latin1@example.ru')).toBeUndefined();
  });

  it('requires ?source=, a marketing key and text/csv', async () => {
    const noSource = await t
      .http()
      .post(`/v1/sites/${site.slug}/subscribers/import`)
      .set('authorization', `Bearer ${site.keys.marketing}`)
      .set('content-type', 'text/csv')
      .send('email\na@example.ru\n')
      .expect(400);
    expect(noSource.body).toMatchObject({ code: 'validation_failed', fields: ['source'] });
    expect((await importCsv('email\na@example.ru\n', 'x\r\ny').expect(400)).body.code).toBe(
      'validation_failed',
    );
    expect(
      (await importCsv('email\na@example.ru\n', 'crm', site.keys.backend).expect(403)).body.code,
    ).toBe('forbidden');
    const json = await t
      .http()
      .post(`/v1/sites/${site.slug}/subscribers/import?source=x`)
      .set('authorization', `Bearer ${site.keys.marketing}`)
      .send({ email: 'a@example.ru' })
      .expect(415);
    expect(json.body.code).toBe('unsupported_media_type');
    const other = await createSite(t);
    expect(
      (await importCsv('email\na@example.ru\n', 'crm', other.keys.marketing).expect(404)).body.code,
    ).toBe('site_not_found');
  });

  it('answers 413 payload_too_large over 50 MiB, also when streamed without a length, and imports nothing', async () => {
    // Rows the importer refuses cheaply (no @), so the test spends its time on bytes, not on parsing.
    const header = 'email\n';
    const line = 'x'.repeat(60_000) + '\n';
    const row = () => line;
    const rows = Math.ceil((51 * 1024 * 1024) / line.length);

    // Declared length over the cap: refused before reading.
    const declared = await sendRaw(
      `/v1/sites/${site.slug}/subscribers/import?source=big`,
      (req) => {
        req.setHeader('content-length', String(51 * 1024 * 1024));
        req.write(header);
        req.end();
      },
    );
    expect(declared.status).toBe(413);
    // Chunked, no length: counted while streaming.
    const streamed = await sendRaw(
      `/v1/sites/${site.slug}/subscribers/import?source=big`,
      async (req, answered) => {
        req.write(header);
        for (let i = 0; i < rows && !answered(); i++) {
          if (!req.write(row())) await new Promise((resolve) => req.once('drain', resolve));
        }
        req.end();
      },
    );
    expect(streamed).toEqual({ status: 413, body: expect.stringContaining('payload_too_large') });
    expect(JSON.parse(streamed.body).code).toBe('payload_too_large');
    const [{ n }] = await t.db.query(
      `SELECT count(*)::int AS n FROM subscribers WHERE email_normalized LIKE 'big%'`,
    );
    expect(n).toBe(0);
  });

  /** A raw HTTP request, so the test controls headers and chunking; resolves with the answer. */
  function sendRaw(
    path: string,
    write: (req: ReturnType<typeof httpRequest>, answered: () => boolean) => void | Promise<void>,
  ): Promise<{ status: number; body: string }> {
    const server = t.app.getHttpServer();
    if (!server.listening) server.listen(0);
    const { port } = server.address() as AddressInfo;
    let done = false;
    return new Promise((resolve, reject) => {
      const req = httpRequest(
        {
          port,
          path,
          method: 'POST',
          agent: false,
          headers: { authorization: `Bearer ${site.keys.marketing}`, 'content-type': 'text/csv' },
        },
        (res) => {
          done = true;
          let body = '';
          res.on('data', (chunk) => (body += chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      void Promise.resolve(write(req, () => done)).catch(reject);
    });
  }
});
