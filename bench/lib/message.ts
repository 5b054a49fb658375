import MailComposer from 'nodemailer/lib/mail-composer';

/**
 * The bulletin every sending scenario uses: about 5 KB of HTML with Cyrillic text (so the
 * encoders have real work), personalised with the subscriber's name.
 */
const PARAGRAPH =
  '<p>На этой неделе мы обновили каталог: новые светильники, люстры и трековые системы. ' +
  'Подробности — на сайте, а ниже короткий обзор самого интересного для вас, {{subscriber.name}}.</p>\n';

export const BULLETIN = {
  subject: 'Новости {{site.name}}: обзор недели',
  html:
    '<h1>Здравствуйте, {{subscriber.name}}!</h1>\n' +
    PARAGRAPH.repeat(14) +
    '<p><a href="{{site.baseUrl}}/catalog?utm_source=vestnik">Открыть каталог</a></p>\n',
};

/** What the template above renders to for one subscriber, for the baselines that do not render. */
export function renderedBulletin(name: string, siteName: string, baseUrl: string): { subject: string; html: string; text: string } {
  const html = BULLETIN.html.split('{{subscriber.name}}').join(name).split('{{site.baseUrl}}').join(baseUrl);
  const text = html.replace(/<[^>]+>/g, '').replace(/\n{2,}/g, '\n');
  return { subject: BULLETIN.subject.replace('{{site.name}}', siteName), html, text };
}

export const BENCH_FROM = 'news@bench.vestnik.test';
export const recipient = (i: number) => `user${i}@bench.vestnik.test`;

/**
 * A finished RFC 5322 message like the ones Vestnik sends (multipart/alternative, List-Unsubscribe
 * headers, a personal link), built once; `personalise` only swaps the header markers, so the
 * pipelined baseline measures the transport ceiling, not MIME building.
 */
export async function prebuiltMessage(): Promise<{ personalise: (i: number) => string; bytes: number }> {
  const content = renderedBulletin('Иван Петров', 'Бенч', 'https://bench.vestnik.test');
  const unsubscribe = 'https://vestnik.test/unsubscribe/XTOKENXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX';
  const composer = new MailComposer({
    from: { name: 'Бенч', address: BENCH_FROM },
    to: 'xrcptx@x.invalid',
    subject: content.subject,
    html: content.html + `<p><a href="${unsubscribe}">Отписаться</a></p>`,
    text: content.text + `\nОтписаться: ${unsubscribe}\n`,
    messageId: '<XMSGIDX@bench.vestnik.test>',
    headers: {
      'List-Unsubscribe': `<${unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
      'List-Id': '<bench.vestnik.test>',
      'X-Vestnik-Bulletin': '00000000-0000-0000-0000-000000000000',
    },
  });
  const raw = (await composer.compile().build()).toString('utf8');
  const split = raw.indexOf('\r\n\r\n');
  const [headers, body] = [raw.slice(0, split), raw.slice(split)];
  const stuffed = body.replace(/\r\n\./g, '\r\n..');
  return {
    bytes: Buffer.byteLength(raw),
    personalise: (i: number) =>
      headers.replace('xrcptx@x.invalid', recipient(i)).replace('XMSGIDX', `${i}.${Date.now()}`) + stuffed,
  };
}
