import MailComposer from 'nodemailer/lib/mail-composer';
import { BUILTIN_TEMPLATES } from '../../src/mail/templates/builtin-templates';
import { MessageRenderer, RenderedMessage } from '../../src/mail/templates/message-renderer';

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

/**
 * What Vestnik renders the template above to for one subscriber of the bench site (Russian, the
 * built-in layout around the body), for the baselines that do not render: the product's own
 * renderer runs once, and only the name and the unsubscribe link are swapped per message.
 */
export function renderedBulletin(name: string, siteName: string, baseUrl: string, unsubscribeUrl = UNSUBSCRIBE_URL): { subject: string; html: string; text: string } {
  const once = renderedOnce(siteName, baseUrl);
  const fill = (part: string) => part.split(NAME_MARK).join(name).split(UNSUBSCRIBE_MARK).join(unsubscribeUrl);
  return { subject: fill(once.subject), html: fill(once.html), text: fill(once.text) };
}

const rendered = new Map<string, RenderedMessage>();
function renderedOnce(siteName: string, baseUrl: string): RenderedMessage {
  const key = `${siteName}\n${baseUrl}`;
  let once = rendered.get(key);
  if (!once) {
    const template = new MessageRenderer({ name: siteName, baseUrl, locale: 'ru' }, () => BULLETIN, (locale) => BUILTIN_TEMPLATES[locale].layout);
    once = template.render({ email: 'x@x.invalid', name: NAME_MARK, locale: 'ru', attributes: {} }, { unsubscribeUrl: UNSUBSCRIBE_MARK });
    rendered.set(key, once);
  }
  return once;
}

const NAME_MARK = 'XNAMEX';
const UNSUBSCRIBE_MARK = 'https://xunsubscribex.invalid/';
/** As long as Vestnik's: PUBLIC_URL, then a 95-character token (54 bytes of claims and a 16-byte MAC). */
const UNSUBSCRIBE_URL = `https://vestnik.bench.test/unsubscribe/${'X'.repeat(72)}.${'Y'.repeat(22)}`;

export const BENCH_FROM = 'news@bench.vestnik.test';
export const recipient = (i: number) => `user${i}@bench.vestnik.test`;

/**
 * A finished RFC 5322 message like the ones Vestnik sends (multipart/alternative, List-Unsubscribe
 * headers, a personal link), built once; `personalise` only swaps the header markers, so the
 * pipelined baseline measures the transport ceiling, not MIME building.
 */
export async function prebuiltMessage(): Promise<{ personalise: (i: number) => string; bytes: number }> {
  const content = renderedBulletin('Подписчик 1', 'Бенч', 'https://bench.vestnik.test');
  const composer = new MailComposer({
    from: { name: 'Бенч', address: BENCH_FROM },
    to: 'xrcptx@x.invalid',
    subject: content.subject,
    html: content.html,
    text: content.text,
    messageId: '<XMSGIDX@bench.vestnik.test>',
    headers: {
      'List-Unsubscribe': `<${UNSUBSCRIBE_URL}>`,
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
