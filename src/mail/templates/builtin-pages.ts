import { Locale } from '../../sites/site.entity';

/** The public pages a subscriber sees after following a link from a message. */
export type PageName =
  | 'confirm-ask'
  | 'confirm-done'
  | 'unsubscribe-ask'
  | 'unsubscribe-done'
  | 'invalid'
  | 'unavailable'
  | 'error';

interface PageText {
  title: string;
  message: string;
  button?: string;
}

/** One small, self-contained, mobile-friendly page; no scripts, no external resources. */
export const PAGE_SHELL = `<!doctype html>
<html lang="{{lang}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<meta name="referrer" content="no-referrer">
<title>{{title}}{{#if siteName}} · {{siteName}}{{/if}}</title>
<style>
*{box-sizing:border-box}
body{margin:0;min-height:100vh;display:flex;align-items:center;justify-content:center;background:#f3f4f6;color:#1f2937;font:16px/1.55 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Arial,sans-serif;padding:16px}
main{background:#fff;max-width:440px;width:100%;padding:32px 28px;border-radius:12px;box-shadow:0 1px 3px rgba(0,0,0,.08)}
.site{margin:0 0 8px;color:#6b7280;font-size:14px;letter-spacing:.02em}
h1{margin:0 0 12px;font-size:22px;line-height:1.3}
p{margin:0 0 20px}
button{width:100%;padding:14px 20px;border:0;border-radius:8px;background:#2563eb;color:#fff;font:inherit;font-weight:600;cursor:pointer}
button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}
.back{margin:20px 0 0;font-size:14px}
.back a{color:#6b7280}
</style>
</head>
<body>
<main>
{{#if siteName}}<p class="site">{{siteName}}</p>{{/if}}
<h1>{{title}}</h1>
<p>{{message}}</p>
{{#if button}}<form method="post" action=""><input type="hidden" name="confirm" value="yes"><button type="submit">{{button}}</button></form>{{/if}}
{{#if siteUrl}}<p class="back"><a href="{{siteUrl}}" rel="noreferrer">{{siteUrl}}</a></p>{{/if}}
</main>
</body>
</html>
`;

/** Texts per page and language; `{{site}}` is the site's name. */
export const PAGE_TEXTS: Record<Locale, Record<PageName, PageText>> = {
  en: {
    'confirm-ask': {
      title: 'Confirm your subscription',
      message:
        'Press the button to confirm that you want to receive news from {{site}} at this address.',
      button: 'Confirm subscription',
    },
    'confirm-done': {
      title: 'Subscription confirmed',
      message:
        'Thank you! You will receive news from {{site}}. Every message has a link to unsubscribe.',
    },
    'unsubscribe-ask': {
      title: 'Unsubscribe',
      message: 'Press the button to stop receiving news from {{site}} at this address.',
      button: 'Unsubscribe',
    },
    'unsubscribe-done': {
      title: 'You are unsubscribed',
      message: 'You will no longer receive news from {{site}}.',
    },
    invalid: {
      title: 'This link is not valid',
      message:
        'The link is incomplete, has expired or no longer applies. Nothing has been changed.',
    },
    unavailable: {
      title: 'Too many requests',
      message: 'Please wait a minute and try again.',
    },
    error: {
      title: 'Something went wrong',
      message: 'We could not handle the request. Please try again in a few minutes.',
    },
  },
  ru: {
    'confirm-ask': {
      title: 'Подтвердите подписку',
      message:
        'Нажмите кнопку, чтобы подтвердить, что хотите получать новости {{site}} на этот адрес.',
      button: 'Подтвердить подписку',
    },
    'confirm-done': {
      title: 'Подписка подтверждена',
      message:
        'Спасибо! Вы будете получать новости {{site}}. В каждом письме есть ссылка, чтобы отписаться.',
    },
    'unsubscribe-ask': {
      title: 'Отписаться от рассылки',
      message: 'Нажмите кнопку, чтобы больше не получать новости {{site}} на этот адрес.',
      button: 'Отписаться',
    },
    'unsubscribe-done': {
      title: 'Вы отписались',
      message: 'Вы больше не будете получать новости {{site}}.',
    },
    invalid: {
      title: 'Ссылка недействительна',
      message: 'Ссылка неполная, устарела или больше не действует. Ничего не изменено.',
    },
    unavailable: {
      title: 'Слишком много запросов',
      message: 'Подождите минуту и попробуйте ещё раз.',
    },
    error: {
      title: 'Что-то пошло не так',
      message: 'Не удалось обработать запрос. Попробуйте ещё раз через несколько минут.',
    },
  },
};

/** Short plain-text answers to RFC 8058 one-click POSTs (mail clients, not people, read them). */
export const ONE_CLICK_TEXT = {
  done: 'Unsubscribed.\n',
  invalid: 'This unsubscribe link is not valid.\n',
};
