import Handlebars from 'handlebars';
import { Locale, LOCALES } from '../../sites/site.entity';
import { FALLBACK_FOOTER, TemplateSource } from './builtin-templates';
import {
  compile,
  Compiled,
  htmlTemplateToText,
  htmlToText,
  neutralizeUnsafeLinks,
} from './template-engine';

/** What a template may know about the recipient (API.md "Bulletins": subscriber.*). */
export interface Recipient {
  email: string | null;
  name: string | null;
  locale: string | null;
  attributes: Record<string, unknown> | null;
}

/** What a template may know about the site (site.*) and which language it defaults to. */
export interface SiteInfo {
  name: string;
  baseUrl: string;
  locale: string;
}

/** A message body as written: Handlebars subject, HTML and optional text. */
export interface MessageContent {
  subject: string;
  html: string;
  text?: string | null;
}

/** A message ready for the transport. */
export interface RenderedMessage {
  subject: string;
  html: string;
  text: string;
}

/** Links of one message; the unsubscribe URL is always there, confirmUrl only in confirm messages. */
export interface MessageLinks {
  unsubscribeUrl: string;
  confirmUrl?: string;
}

/** The subscriber's language if we have templates for it (`en-GB` counts as `en`), else the site's. */
export function pickLocale(
  subscriberLocale: string | null | undefined,
  siteLocale: string,
): Locale {
  for (const candidate of [subscriberLocale, siteLocale]) {
    const primary = candidate?.toLowerCase().split(/[-_]/)[0];
    if (primary && (LOCALES as readonly string[]).includes(primary)) return primary as Locale;
  }
  return 'en';
}

interface CompiledParts {
  subject: Compiled;
  html: Compiled;
  /** null: derive the text from each rendered HTML (the template could not be converted once). */
  text: Compiled | null;
  layoutHtml: Compiled;
  layoutText: Compiled | null;
}

/**
 * Renders one kind of message for many recipients. Templates are compiled at most once per
 * language (and, through the engine's cache, once per process); `render` is synchronous and does
 * only the per-recipient work.
 */
export class MessageRenderer {
  private readonly compiled = new Map<Locale, CompiledParts>();

  constructor(
    private readonly site: SiteInfo,
    private readonly bodyFor: (locale: Locale) => MessageContent,
    private readonly layoutFor: (locale: Locale) => TemplateSource,
  ) {}

  /** Subject, HTML (wrapped in the layout) and text of the message for one recipient. */
  render(recipient: Recipient, links: MessageLinks): RenderedMessage {
    const locale = pickLocale(recipient.locale, this.site.locale);
    const parts = this.partsFor(locale);
    const context: Record<string, unknown> = {
      subscriber: {
        email: recipient.email ?? '',
        name: recipient.name ?? '',
        locale: recipient.locale ?? '',
        attributes: recipient.attributes ?? {},
      },
      site: { name: this.site.name, baseUrl: this.site.baseUrl },
      unsubscribeUrl: links.unsubscribeUrl,
      confirmUrl: links.confirmUrl ?? '',
    };
    // Header-safe: a value with a line break must not end the Subject header.
    const subject = parts
      .subject(context)
      .replace(/[\s\0]+/g, ' ')
      .trim()
      .slice(0, 900);
    context.subject = subject;
    context.bulletin = { subject };

    const bodyHtml = parts.html(context);
    const html = neutralizeUnsafeLinks(parts.layoutHtml({ ...context, body: bodyHtml }));
    const bodyText = parts.text ? parts.text(context) : htmlToText(bodyHtml);
    const text = parts.layoutText
      ? parts.layoutText({ ...context, body: bodyText })
      : htmlToText(html);
    return {
      subject,
      html: withLinkInHtml(html, links.unsubscribeUrl, locale),
      text: withLinkInText(text, links.unsubscribeUrl, locale),
    };
  }

  private partsFor(locale: Locale): CompiledParts {
    let parts = this.compiled.get(locale);
    if (!parts) {
      const body = this.bodyFor(locale);
      const layout = this.layoutFor(locale);
      const bodyText = body.text ?? htmlTemplateToText(body.html);
      const layoutText = layout.text ?? htmlTemplateToText(layout.html);
      parts = {
        subject: compile(body.subject, 'text'),
        html: compile(body.html, 'html'),
        text: bodyText === null ? null : compile(bodyText, 'text'),
        layoutHtml: compile(layout.html, 'html'),
        layoutText: layoutText === null ? null : compile(layoutText, 'text'),
      };
      this.compiled.set(locale, parts);
    }
    return parts;
  }
}

/**
 * The layout is checked to contain `{{unsubscribeUrl}}` when saved, but a custom one could still
 * hide it (in an `{{#if}}`): the way out is then added, so it is in every message regardless.
 */
function withLinkInHtml(html: string, url: string, locale: Locale): string {
  if (html.includes(url) || html.includes(Handlebars.escapeExpression(url))) return html;
  const link = `<p style="font-size:12px;color:#6b7280;"><a href="${Handlebars.escapeExpression(url)}">${FALLBACK_FOOTER[locale].label}</a></p>`;
  const end = html.lastIndexOf('</body>');
  return end === -1 ? html + link : html.slice(0, end) + link + html.slice(end);
}

function withLinkInText(text: string, url: string, locale: Locale): string {
  return text.includes(url)
    ? text
    : `${text.trimEnd()}\n\n${FALLBACK_FOOTER[locale].label}: ${url}\n`;
}
