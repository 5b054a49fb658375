import { MailTransport } from '../src/mail/transport/mail-transport';
import { composeRaw } from '../src/mail/transport/mime';
import { TransactionalMailService } from '../src/mail/transactional-mail.service';
import { SmtpSink } from './support/smtp-sink';
import { createSite, createTestApp, TestApp, waitFor } from './support/test-app';

describe('Development mailbox', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(); // no SMTP_URL: mail goes to the development mailbox
  });
  afterAll(async () => {
    await t.close();
  });

  it('keeps what would have been sent, newest first, with HTML, text and raw views', async () => {
    const site = await createSite(t, { name: 'Kristalux', confirmation: 'notice' });
    await site.backend
      .post(`/v1/sites/${site.slug}/subscribers`, { email: 'first@example.com', name: 'First' })
      .expect(201);
    const [row] = await t.db.query(
      `INSERT INTO subscribers (site_id, email, email_normalized, name, status) VALUES ($1, 'second@example.com', 'second@example.com', '<Second>', 'active') RETURNING id`,
      [site.id],
    );
    await t.app.get(TransactionalMailService).sendNotice(row.id);
    await t.app.get(TransactionalMailService).sendNotice(row.id);
    const listed = await waitFor(async () => {
      const res = await t.http().get('/dev/mailbox/messages.json').expect(200);
      return res.body.items.length === 3 ? res.body.items : null;
    });
    const ids = listed.map((m: { id: string }) => Number(m.id));
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(listed.map((m: { to: string }) => m.to).sort()).toEqual([
      'first@example.com',
      'second@example.com',
      'second@example.com',
    ]);
    const first = listed.find((m: { to: string }) => m.to === 'second@example.com');
    expect(first).toMatchObject({ subject: 'You are subscribed to Kristalux' });

    const page = await t.http().get('/dev/mailbox').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('You are subscribed to Kristalux');
    expect(page.text).toContain(`/dev/mailbox/${first.id}/raw`);

    const html = await t.http().get(`/dev/mailbox/${first.id}/html`).expect(200);
    expect(html.headers['content-security-policy']).toMatch(/^sandbox/);
    expect(html.text).toContain('&lt;Second&gt;');
    const text = await t.http().get(`/dev/mailbox/${first.id}/text`).expect(200);
    expect(text.headers['content-type']).toMatch(/^text\/plain/);
    expect(text.text).toContain('Unsubscribe: http://vestnik.test/unsubscribe/');
    const raw = await t.http().get(`/dev/mailbox/${first.id}/raw`).expect(200);
    expect(raw.text).toMatch(/^List-Unsubscribe: <http:\/\/vestnik\.test\/unsubscribe\/[^>]+>$/m);
    expect(raw.text).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click$/m);
    const overview = await t.http().get(`/dev/mailbox/${first.id}`).expect(200);
    expect(overview.text).toContain('List-Unsubscribe');

    await t.http().get('/dev/mailbox/999999999').expect(404);
    await t.http().get('/dev/mailbox/not-a-number/raw').expect(404);
  });

  it('stores prebuilt raw messages too, parsed for the views', async () => {
    const transport = t.app.get(MailTransport);
    expect(transport.name).toBe('dev-mailbox');
    const raw = await composeRaw({
      from: { name: 'Вестник', address: 'news@example.test' },
      to: 'raw@example.com',
      subject: 'Предварительно собранное',
      html: '<p>готово</p>',
      text: 'готово',
      messageId: '<raw-1@example.test>',
      headers: { 'X-Vestnik-Bulletin': 'b1' },
    });
    const result = await transport.send({
      raw,
      envelope: { from: 'news@example.test', to: ['raw@example.com'] },
      messageId: '<raw-1@example.test>',
    });
    expect(result.messageId).toBe('<raw-1@example.test>');
    const [newest] = (await t.http().get('/dev/mailbox/messages.json').expect(200)).body.items;
    expect(newest).toMatchObject({
      to: 'raw@example.com',
      subject: 'Предварительно собранное',
      messageId: '<raw-1@example.test>',
    });
    expect((await t.http().get(`/dev/mailbox/${newest.id}/html`).expect(200)).text).toContain(
      '<p>готово</p>',
    );
  });

  it('empties the box on request', async () => {
    await t.http().post('/dev/mailbox/clear').expect(303);
    expect((await t.http().get('/dev/mailbox/messages.json').expect(200)).body.items).toEqual([]);
  });

  it('does not exist when SMTP_URL is set', async () => {
    const sink = await new SmtpSink().start();
    const withSmtp = await createTestApp({ env: { SMTP_URL: sink.url } });
    try {
      await withSmtp.http().get('/dev/mailbox').expect(404);
      await withSmtp.http().get('/dev/mailbox/1/raw').expect(404);
    } finally {
      await withSmtp.close();
      await sink.stop();
    }
  });
});
