/**
 * What DKIM signing costs per message: a bulletin-sized message (about 13 KB as sent, HTML and its
 * text part) composed once, then signed repeatedly with RSA-2048, RSA-4096 and Ed25519 keys
 * (relaxed/relaxed canonicalization, body hash, header hash, signature). Composing the MIME
 * message itself is measured as the baseline it adds to.
 * Run alone: `npx ts-node --transpile-only bench/child.ts dkim.bench.ts`.
 */
import { generateKeyPairSync } from 'node:crypto';
import { signDkim } from '../src/dkim/dkim-signer';
import { composeRaw } from '../src/mail/transport/mime';
import { OutgoingMail } from '../src/mail/transport/mail-transport';

const paragraph = '<p>Новости недели: строительство, сметы, нормативы и цены — всё, что изменилось за семь дней. ' +
  'Подробности на сайте, в разделе «Новости».</p>\n';

function sampleMail(): OutgoingMail {
  return {
    from: { name: 'ВСМЕТЕ', address: 'news@vsmete.ru' },
    to: 'ivan.petrov@example.ru',
    subject: 'Новости ВСМЕТЕ: что изменилось за неделю',
    html: `<html><body><h1>Привет, Иван</h1>${paragraph.repeat(18)}<p><a href="https://vestnik.test/unsubscribe/tok">Отписаться</a></p></body></html>`,
    text: `Привет, Иван\n\n${paragraph.replace(/<[^>]+>/g, '').repeat(18)}\nОтписаться: https://vestnik.test/unsubscribe/tok\n`,
    messageId: '<0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0@vsmete.ru>',
    headers: {
      'List-Unsubscribe': '<https://vestnik.test/unsubscribe/eyJ2IjoxLCJrIjoiazEiLCJwIjoidSJ9.c2lnbmF0dXJlLXZhbHVl>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '<vsmete.vestnik.test>',
      'X-Vestnik-Bulletin': '6c1f9a52-34d1-4b57-9d0e-2f7c0b1c9e11',
    },
  };
}

/**
 * CPU microseconds per call (user + system of this process), not wall time: the machine is
 * shared, and CPU time is what a message costs whoever else is running. Warm up, then run for
 * at least `ms` milliseconds of wall time.
 */
async function perCall(fn: () => unknown | Promise<unknown>, ms = 1500): Promise<number> {
  for (let i = 0; i < 30; i++) await fn();
  let calls = 0;
  const cpu = process.cpuUsage();
  const until = Date.now() + ms;
  while (Date.now() < until) {
    for (let i = 0; i < 10; i++) await fn();
    calls += 10;
  }
  const used = process.cpuUsage(cpu);
  return (used.user + used.system) / calls;
}

const pem = (key: import('node:crypto').KeyObject) => key.export({ type: 'pkcs8', format: 'pem' }).toString();

export async function run(): Promise<Record<string, number | string>> {
  const mail = sampleMail();
  const raw = await composeRaw(mail);
  const keys = {
    rsa2048: pem(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey),
    rsa4096: pem(generateKeyPairSync('rsa', { modulusLength: 4096 }).privateKey),
    ed25519: pem(generateKeyPairSync('ed25519').privateKey),
  };
  const sign = (privateKey: string) => () => signDkim(raw, { domainName: 'vsmete.ru', keySelector: 'vestnik', privateKey });
  const composeUs = await perCall(() => composeRaw(mail));
  const rsa2048Us = await perCall(sign(keys.rsa2048));
  const rsa4096Us = await perCall(sign(keys.rsa4096), 1000);
  const ed25519Us = await perCall(sign(keys.ed25519));
  const round = (n: number) => Math.round(n * 10) / 10;
  return {
    messageBytes: raw.length,
    composeUs: round(composeUs),
    rsa2048Us: round(rsa2048Us),
    rsa4096Us: round(rsa4096Us),
    ed25519Us: round(ed25519Us),
    rsa2048PerSecondPerCore: Math.round(1e6 / rsa2048Us),
    ed25519PerSecondPerCore: Math.round(1e6 / ed25519Us),
    baseline: `${round(composeUs)} µs CPU to compose the MIME message`,
    ratio: round(rsa2048Us / composeUs),
    target: 'informational (RSA-2048 signing ÷ composing)',
  };
}

if (require.main === module) {
  run().then((result) => console.log(result));
}
