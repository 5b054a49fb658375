import { generateKeyPairSync } from 'node:crypto';
import { dkimVerify } from './support/dkim-verify';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';

const rsaKey = (bits = 2048) =>
  generateKeyPairSync('rsa', { modulusLength: bits }).privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const edKey = () => generateKeyPairSync('ed25519').privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();

describe('DKIM signing of every message', () => {
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

  it('keeps the private key write-only and shows the DNS record to publish', async () => {
    const privateKey = rsaKey();
    const site = await createSite(t, { dkim: { domain: 'Example.test', selector: 'vestnik', privateKey } });
    const res = await t.admin.get(`/v1/sites/${site.slug}`).expect(200);
    expect(res.body.dkim).toEqual({
      domain: 'example.test',
      selector: 'vestnik',
      algorithm: 'rsa-sha256',
      dnsName: 'vestnik._domainkey.example.test',
      dnsRecord: expect.stringMatching(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/]+=*$/),
    });
    expect(JSON.stringify(res.body)).not.toContain('PRIVATE');
    const list = await t.admin.get('/v1/sites').expect(200);
    expect(JSON.stringify(list.body)).not.toContain('PRIVATE');
    const off = await t.admin.patch(`/v1/sites/${site.slug}`, { dkim: null }).expect(200);
    expect(off.body.dkim).toBeNull();
    const ed = await t.admin.patch(`/v1/sites/${site.slug}`, { dkim: { domain: 'example.test', selector: 's2', privateKey: edKey() } }).expect(200);
    expect(ed.body.dkim).toMatchObject({ algorithm: 'ed25519-sha256', dnsRecord: expect.stringMatching(/^v=DKIM1; k=ed25519; p=/) });
    const plain = await createSite(t);
    expect((await t.admin.get(`/v1/sites/${plain.slug}`).expect(200)).body.dkim).toBeNull();
  });

  it.each([
    ['a 1024-bit RSA key', { domain: 'example.test', selector: 's', privateKey: rsaKey(1024) }, 'dkim.privateKey'],
    ['an EC key', { domain: 'example.test', selector: 's', privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() }, 'dkim.privateKey'],
    ['garbage', { domain: 'example.test', selector: 's', privateKey: 'not a key' }, 'dkim.privateKey'],
    ['a bad domain', { domain: 'exa mple', selector: 's', privateKey: edKey() }, 'dkim.domain'],
    ['a selector with a line break', { domain: 'example.test', selector: 's\r\nX: y', privateKey: edKey() }, 'dkim.selector'],
    ['a missing key', { domain: 'example.test', selector: 's' }, 'dkim.privateKey'],
  ])('refuses %s with 400', async (_label, dkim, field) => {
    const site = await createSite(t);
    const res = await t.admin.patch(`/v1/sites/${site.slug}`, { dkim }).expect(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.fields).toContain('dkim');
    expect(res.body.message.join(' ')).toContain(field);
  });

  it.each([
    ['RSA 2048', rsaKey],
    ['Ed25519', edKey],
  ])('signs a notice and a bulletin with %s so that python3-dkim verifies both', async (_label, makeKey) => {
    const site = await createSite(t, {
      confirmation: 'notice',
      fromEmail: 'news@example.test',
      dkim: { domain: 'example.test', selector: 'vestnik', privateKey: makeKey() },
    });
    const record = (await t.admin.get(`/v1/sites/${site.slug}`).expect(200)).body.dkim.dnsRecord as string;
    const email = `reader-${site.slug}@example.ru`;
    await site.backend.post(`/v1/sites/${site.slug}/subscribers`, { email, name: 'Иван' }).expect(201);
    const [notice] = await waitFor(async () => (sink.to(email).length >= 1 ? sink.to(email) : null));

    const bulletin = await site.marketing
      .post(`/v1/sites/${site.slug}/bulletins`, { subject: 'Новости {{site.name}}', html: '<h1>Привет, {{subscriber.name}}</h1><p>Текст  с   пробелами</p>' })
      .expect(201);
    await site.marketing.post(`/v1/sites/${site.slug}/bulletins/${bulletin.body.id}/send`).expect(202);
    const both = await waitFor(async () => (sink.to(email).length >= 2 ? sink.to(email) : null));
    const sent = both.find((m) => m.parsed.headers.get('x-vestnik-bulletin'))!;

    for (const message of [notice, sent]) {
      const signature = message.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
      expect(signature).toMatch(/DKIM-Signature: v=1; a=(rsa|ed25519)-sha256; c=relaxed\/relaxed; d=example.test; s=vestnik;/);
      const h = /h=([^;]+);/.exec(signature)![1].split(':').map((n) => n.toLowerCase());
      for (const name of ['from', 'to', 'subject', 'date', 'message-id', 'list-id', 'list-unsubscribe', 'list-unsubscribe-post']) {
        expect(h).toContain(name);
      }
      const verdict = dkimVerify(message.raw, record);
      expect(verdict.output).toMatch(/^ok vestnik\._domainkey\.example\.test/);
    }
  });
});
