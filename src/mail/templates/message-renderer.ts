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
import { MessagePlan, planMessage, SplicedBody } from './message-plan';

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

/** A message as `RenderedMessage`, its bodies as shared text and per-recipient values. */
export interface SplicedMessage {
  subject: string;
  html: SplicedBody;
  text: SplicedBody;
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
  private readonly sources = new Map<Locale, Sources>();
  private readonly compiled = new Map<Locale, CompiledParts>();
  private readonly plans = new Map<Locale, MessagePlan | null>();
  /** What templates see as `site`: the same for every message. */
  private readonly siteContext: { name: string; baseUrl: string };

  constructor(
    private readonly site: SiteInfo,
    private readonly bodyFor: (locale: Locale) => MessageContent,
    private readonly layoutFor: (locale: Locale) => TemplateSource,
  ) {
    this.siteContext = { name: site.name, baseUrl: site.baseUrl };
  }

  /** Subject, HTML (wrapped in the layout) and text of the message for one recipient. */
  render(recipient: Recipient, links: MessageLinks): RenderedMessage {
    const locale = pickLocale(recipient.locale, this.site.locale);
    const parts = this.partsFor(locale);
    const context = this.contextFor(recipient, links);
    const subject = withSubject(context, finishSubject(parts.subject(context)));

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

  /**
   * The same message as `render`, as text shared by all recipients and this recipient's values
   * (what changes per recipient is rendered, the rest was rendered once per language). Null when
   * the templates cannot be split so (see `planMessage`) or the unsubscribe link would be added
   * by `render` itself: then `render` it.
   */
  renderSpliced(recipient: Recipient, links: MessageLinks): SplicedMessage | null {
    const locale = pickLocale(recipient.locale, this.site.locale);
    const plan = this.planFor(locale);
    if (!plan) return null;
    const context = this.contextFor(recipient, links);
    const subject = withSubject(context, plan.subject ?? finishSubject(this.partsFor(locale).subject(context)));
    const memo = new Map<string, string>();
    const html = plan.html.fills.map((fill) => fill(context, memo));
    const text = plan.text.fills.map((fill) => fill(context, memo));
    // The shared text cannot hold anyone's link, so it is in the message if it is in a value.
    const url = links.unsubscribeUrl;
    const escaped = Handlebars.escapeExpression(url);
    if (!html.some((value) => value.includes(url) || value.includes(escaped))) return null;
    if (!text.some((value) => value.includes(url))) return null;
    return { subject, html: { parts: plan.html, values: html }, text: { parts: plan.text, values: text } };
  }

  private contextFor(recipient: Recipient, links: MessageLinks): Record<string, unknown> {
    return {
      subscriber: {
        email: recipient.email ?? '',
        name: recipient.name ?? '',
        locale: recipient.locale ?? '',
        attributes: recipient.attributes ?? {},
      },
      site: this.siteContext,
      unsubscribeUrl: links.unsubscribeUrl,
      confirmUrl: links.confirmUrl ?? '',
    };
  }

  private planFor(locale: Locale): MessagePlan | null {
    let plan = this.plans.get(locale);
    if (plan === undefined) {
      const { body, layout, text, layoutText } = this.sourcesFor(locale);
      plan =
        text === null || layoutText === null
          ? null
          : planMessage({ subject: body.subject, html: body.html, text, layoutHtml: layout.html, layoutText }, this.siteContext, finishSubject);
      this.plans.set(locale, plan);
    }
    return plan;
  }

  private partsFor(locale: Locale): CompiledParts {
    let parts = this.compiled.get(locale);
    if (!parts) {
      const { body, layout, text, layoutText } = this.sourcesFor(locale);
      parts = {
        subject: compile(body.subject, 'text'),
        html: compile(body.html, 'html'),
        text: text === null ? null : compile(text, 'text'),
        layoutHtml: compile(layout.html, 'html'),
        layoutText: layoutText === null ? null : compile(layoutText, 'text'),
      };
      this.compiled.set(locale, parts);
    }
    return parts;
  }

  /** The templates of one language, their text versions made once for both the plan and the render. */
  private sourcesFor(locale: Locale): Sources {
    let sources = this.sources.get(locale);
    if (!sources) {
      const body = this.bodyFor(locale);
      const layout = this.layoutFor(locale);
      sources = {
        body,
        layout,
        text: body.text ?? htmlTemplateToText(body.html),
        layoutText: layout.text ?? htmlTemplateToText(layout.html),
      };
      this.sources.set(locale, sources);
    }
    return sources;
  }
}

/** A language's templates; `text` and `layoutText` null where the HTML could not be converted once. */
interface Sources {
  body: MessageContent;
  layout: TemplateSource;
  text: string | null;
  layoutText: string | null;
}

/** Header-safe: a value with a line break must not end the Subject header. */
function finishSubject(subject: string): string {
  return subject.replace(/[\s\0]+/g, ' ').trim().slice(0, 900);
}

/** The rendered subject, for the templates that print it (the layout's title). */
function withSubject(context: Record<string, unknown>, subject: string): string {
  context.subject = subject;
  context.bulletin = { subject };
  return subject;
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
