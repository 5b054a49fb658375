/**
 * Experiment: CPU per bulletin message on the worker's compose path, step by step, in one
 * process without SMTP, PostgreSQL round trips or queues (what `npm run bench` cannot separate).
 *   npx ts-node --transpile-only bench/experiments/compose-cost.ts [messages=20000]
 * Prints µs per message for: the whole render (Handlebars + link check) and the split one
 * (`renderSpliced`: only the per-recipient values), unsubscribe token, MIME from whole and from
 * split bodies, the whole composeForSending (what a send does: split render + token + headers +
 * MIME), and the SMTP framing of a string message (dot-stuff check and the string-to-bytes copy;
 * bulletin messages are bytes already).
 */
import { BulletinMailer } from '../../src/delivery/bulletin-mailer';
import { dotStuff } from '../../src/mail/transport/smtp/smtp-connection';
import { TokensService } from '../../src/tokens/tokens.service';
import { createBulletin } from '../../test/support/bulletins';
import { createSite, createTestApp } from '../../test/support/test-app';
import { BULLETIN } from '../lib/message';
import { runMain } from '../lib/run-main';

const messages = Number(process.argv[2] ?? 20_000);

function time(label: string, run: (i: number) => unknown): void {
  for (let i = 0; i < 2000; i++) run(i); // warm-up
  const cpu0 = process.cpuUsage();
  let sink = 0;
  for (let i = 0; i < messages; i++) sink += (run(i) as { length?: number })?.length ?? 1;
  const cpu = process.cpuUsage(cpu0);
  process.stdout.write(`${label.padEnd(44)} ${(((cpu.user + cpu.system) / messages) | 0).toString().padStart(5)} µs${sink < 0 ? '!' : ''}\n`);
}

async function main(): Promise<void> {
  const t = await createTestApp({ env: { VESTNIK_ROLE: 'api', SMTP_URL: 'smtp://127.0.0.1:9' } });
  try {
    const site = await createSite(t, { locale: 'ru', name: 'Бенч' });
    const bulletinId = await createBulletin(site.marketing, site.slug, BULLETIN);
    const mailer = t.app.get(BulletinMailer);
    const tokens = t.app.get(TokensService);
    const prepared = (await mailer.prepare(bulletinId))!;
    const recipient = (i: number) => ({
      subscriberId: '7d444840-9dc0-11d1-b245-5ffdce74fad2',
      email: `user${i}@bench.vestnik.test`,
      name: `Подписчик ${i}`,
      locale: null,
      attributes: {},
    });
    const sample = mailer.composeForSending(prepared, recipient(1), '<x@bench.vestnik.test>');
    const raw = 'raw' in sample ? String(sample.raw) : '';
    process.stdout.write(`message: ${Buffer.byteLength(raw)} bytes, ${messages} messages per step\n`);
    time('render (Handlebars, links checked)', (i) => prepared.renderer.render(recipient(i), { unsubscribeUrl: 'https://x.test/u' }).html);
    time('render spliced (values only)', (i) => prepared.renderer.renderSpliced(recipient(i), { unsubscribeUrl: 'https://x.test/u' })?.html.values);
    time('unsubscribe URL (token + HMAC)', (i) =>
      tokens.unsubscribeUrl({ siteId: site.id, subscriberId: recipient(i).subscriberId, bulletinId: `${bulletinId.slice(0, -1)}${i % 10}` }),
    );
    time("unsubscribe URL, the bulletin's claims encoded once", (i) => prepared.unsubscribeUrl(recipient(i).subscriberId));
    const rendered = prepared.renderer.render(recipient(1), { unsubscribeUrl: 'https://x.test/u' });
    time('MIME from the skeleton (base64 of both bodies)', (i) =>
      String(prepared.mime.compose(recipient(i).email, rendered.subject, rendered.html, rendered.text, `<${i}@x>`, '<https://x.test/u>').raw),
    );
    const spliced = prepared.renderer.renderSpliced(recipient(1), { unsubscribeUrl: 'https://x.test/u' })!;
    time('MIME from the skeleton, spliced bodies', (i) =>
      prepared.mime.compose(recipient(i).email, spliced.subject, spliced.html, spliced.text, `<${i}@x>`, '<https://x.test/u>').raw,
    );
    time('composeForSending (all of the above + MIME)', (i) => {
      const mail = mailer.composeForSending(prepared, recipient(i), `<${i}@bench.vestnik.test>`);
      return 'raw' in mail ? mail.raw : '';
    });
    time('SMTP framing (dot-stuff check, bytes)', () => Buffer.from(dotStuff(raw) as string, 'utf8'));
  } finally {
    await t.close();
  }
}

runMain(main);
