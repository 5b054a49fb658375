import { Locale } from '../../sites/site.entity';
import { TemplateName } from '../template.entity';

/** One template: subject (confirm, notice), HTML and text. Sites may replace them per language. */
export interface TemplateSource {
  subject: string | null;
  html: string;
  text: string | null;
}

const FONT = 'font-family:Arial,Helvetica,sans-serif';

/** Email-client-safe layout: one centred table, inline styles, footer with the way out. */
function layoutHtml(lang: Locale, why: string, unsubscribe: string): string {
  return `<!doctype html>
<html lang="${lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{subject}}</title>
</head>
<body style="margin:0;padding:0;background:#f3f4f6;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f3f4f6;">
<tr><td align="center" style="padding:24px 12px;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;background:#ffffff;border-radius:8px;">
<tr><td style="padding:28px 28px 8px;${FONT};font-size:16px;line-height:1.55;color:#1f2937;">
{{{body}}}
</td></tr>
</table>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="max-width:600px;">
<tr><td style="padding:16px 28px;${FONT};font-size:12px;line-height:1.5;color:#6b7280;">
${why} <a href="{{site.baseUrl}}" style="color:#6b7280;">{{site.name}}</a>.<br>
<a href="{{unsubscribeUrl}}" style="color:#6b7280;">${unsubscribe}</a>
</td></tr>
</table>
</td></tr>
</table>
</body>
</html>
`;
}

const button = (label: string) =>
  `<p style="margin:24px 0;"><a href="{{confirmUrl}}" style="display:inline-block;padding:12px 22px;background:#2563eb;color:#ffffff;text-decoration:none;border-radius:6px;${FONT};font-weight:bold;">${label}</a></p>`;

export const BUILTIN_TEMPLATES: Record<Locale, Record<TemplateName, TemplateSource>> = {
  en: {
    layout: {
      subject: null,
      html: layoutHtml('en', 'You receive this message because you subscribed at', 'Unsubscribe'),
      text: '{{{body}}}\n\n-- \nYou receive this message because you subscribed at {{site.name}} ({{site.baseUrl}}).\nUnsubscribe: {{unsubscribeUrl}}\n',
    },
    confirm: {
      subject: 'Please confirm your subscription to {{site.name}}',
      html:
        '<p>Hello{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</p>\n' +
        '<p>Someone, hopefully you, asked to receive news from {{site.name}} at this address. Please confirm:</p>\n' +
        button('Confirm subscription') +
        '\n<p style="color:#6b7280;font-size:14px;">If it was not you, ignore this message: without confirmation you will receive nothing.</p>',
      text:
        'Hello{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!\n\n' +
        'Someone, hopefully you, asked to receive news from {{site.name}} at this address. Please confirm:\n\n' +
        '{{confirmUrl}}\n\nIf it was not you, ignore this message: without confirmation you will receive nothing.',
    },
    notice: {
      subject: 'You are subscribed to {{site.name}}',
      html:
        '<p>Hello{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</p>\n' +
        '<p>Your subscription to the news of <a href="{{site.baseUrl}}">{{site.name}}</a> is confirmed.</p>\n' +
        '<p>You can unsubscribe at any time with the link at the bottom of every message.</p>',
      text:
        'Hello{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!\n\n' +
        'Your subscription to the news of {{site.name}} ({{site.baseUrl}}) is confirmed.\n\n' +
        'You can unsubscribe at any time with the link at the bottom of every message.',
    },
  },
  ru: {
    layout: {
      subject: null,
      html: layoutHtml(
        'ru',
        'Вы получили это письмо, потому что подписались на рассылку',
        'Отписаться',
      ),
      text: '{{{body}}}\n\n-- \nВы получили это письмо, потому что подписались на рассылку {{site.name}} ({{site.baseUrl}}).\nОтписаться: {{unsubscribeUrl}}\n',
    },
    confirm: {
      subject: 'Подтвердите подписку на {{site.name}}',
      html:
        '<p>Здравствуйте{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</p>\n' +
        '<p>Кто-то, надеемся, что вы, попросил присылать новости {{site.name}} на этот адрес. Пожалуйста, подтвердите:</p>\n' +
        button('Подтвердить подписку') +
        '\n<p style="color:#6b7280;font-size:14px;">Если это были не вы, просто проигнорируйте письмо: без подтверждения мы ничего не пришлём.</p>',
      text:
        'Здравствуйте{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!\n\n' +
        'Кто-то, надеемся, что вы, попросил присылать новости {{site.name}} на этот адрес. Пожалуйста, подтвердите:\n\n' +
        '{{confirmUrl}}\n\nЕсли это были не вы, просто проигнорируйте письмо: без подтверждения мы ничего не пришлём.',
    },
    notice: {
      subject: 'Вы подписаны на рассылку {{site.name}}',
      html:
        '<p>Здравствуйте{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!</p>\n' +
        '<p>Ваша подписка на новости <a href="{{site.baseUrl}}">{{site.name}}</a> оформлена.</p>\n' +
        '<p>Отписаться можно в любой момент по ссылке внизу каждого письма.</p>',
      text:
        'Здравствуйте{{#if subscriber.name}}, {{subscriber.name}}{{/if}}!\n\n' +
        'Ваша подписка на новости {{site.name}} ({{site.baseUrl}}) оформлена.\n\n' +
        'Отписаться можно в любой момент по ссылке внизу каждого письма.',
    },
  },
};

/** Footer appended when a (custom) layout rendered without the unsubscribe URL, e.g. hidden in an #if. */
export const FALLBACK_FOOTER: Record<Locale, { label: string }> = {
  en: { label: 'Unsubscribe' },
  ru: { label: 'Отписаться' },
};
