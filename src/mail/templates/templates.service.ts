import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { In, Repository } from 'typeorm';
import { badRequest } from '../../common/app-exception';
import { Locale, LOCALES, Site } from '../../sites/site.entity';
import { Template, TEMPLATE_NAMES, TemplateName } from '../template.entity';
import { PAGE_SHELL, PAGE_TEXTS, PageName } from './builtin-pages';
import { BUILTIN_TEMPLATES, TemplateSource } from './builtin-templates';
import {
  MessageContent,
  MessageLinks,
  MessageRenderer,
  Recipient,
  RenderedMessage,
} from './message-renderer';
import { checkTemplate, compile, mentions } from './template-engine';
import { PutTemplateDto, TemplateDto } from './template.dto';

type Overrides = Map<string, Template>;
const key = (name: TemplateName, locale: string) => `${name}:${locale}`;

/**
 * Templates of every message and page: built-in ru/en versions, a site's replacements (per
 * language), save-time checks and rendering. Compiled templates are cached per process.
 */
@Injectable()
export class TemplatesService {
  constructor(@InjectRepository(Template) private readonly templates: Repository<Template>) {}

  /** Throws 400 `template_syntax` (naming `field` and the line) if `source` would fail to render. */
  check(source: string, field: string): void {
    checkTemplate(source, field);
  }

  /** Checks a bulletin's subject, html and text; throws 400 `template_syntax` on the first bad one. */
  checkContent(content: MessageContent): void {
    checkTemplate(content.subject, 'subject');
    checkTemplate(content.html, 'html');
    if (content.text) checkTemplate(content.text, 'text');
  }

  /** Every template of the site in every language, the site's versions where it has them. */
  async list(site: Site): Promise<TemplateDto[]> {
    const overrides = await this.overrides(site.id, TEMPLATE_NAMES);
    return TEMPLATE_NAMES.flatMap((name) =>
      LOCALES.map((locale) => this.describe(name, locale, overrides)),
    );
  }

  /** Replaces one template in one language after checking it compiles and keeps its links. */
  async save(
    site: Site,
    name: TemplateName,
    locale: Locale,
    dto: PutTemplateDto,
  ): Promise<TemplateDto> {
    if (name === 'layout' && dto.subject) {
      throw badRequest(
        'validation_failed',
        ['subject: a layout has no subject (the message has one)'],
        { fields: ['subject'] },
      );
    }
    if (dto.subject) checkTemplate(dto.subject, 'subject');
    checkTemplate(dto.html, 'html');
    if (dto.text) checkTemplate(dto.text, 'text');
    this.requireLink(name, 'html', dto.html);
    if (dto.text) this.requireLink(name, 'text', dto.text);

    await this.templates.upsert(
      {
        siteId: site.id,
        name,
        locale,
        subject: dto.subject ?? null,
        html: dto.html,
        text: dto.text ?? null,
        updatedAt: new Date(),
      },
      { conflictPaths: ['siteId', 'name', 'locale'] },
    );
    return this.describe(name, locale, await this.overrides(site.id, [name]));
  }

  /** Goes back to the built-in version. */
  async reset(site: Site, name: TemplateName, locale: Locale): Promise<TemplateDto> {
    await this.templates.delete({ siteId: site.id, name, locale });
    return this.describe(name, locale, new Map());
  }

  /**
   * A renderer for one bulletin, built once and used for every recipient: the site's layouts
   * are read now, templates compile on first use per language. `render` is synchronous.
   */
  async prepareBulletin(site: Site, content: MessageContent): Promise<MessageRenderer> {
    const overrides = await this.overrides(site.id, ['layout']);
    return new MessageRenderer(
      site,
      () => content,
      (locale) => this.source('layout', locale, overrides),
    );
  }

  /** One bulletin message (convenience over prepareBulletin for previews and tests). */
  async renderBulletin(
    site: Site,
    content: MessageContent,
    subscriber: Recipient,
    unsubscribeUrl: string,
  ): Promise<RenderedMessage> {
    return (await this.prepareBulletin(site, content)).render(subscriber, { unsubscribeUrl });
  }

  /** A confirm (needs links.confirmUrl) or notice message, in the subscriber's or site's language. */
  async renderTransactional(
    name: 'confirm' | 'notice',
    site: Site,
    subscriber: Recipient,
    links: MessageLinks,
  ): Promise<RenderedMessage> {
    const overrides = await this.overrides(site.id, ['layout', name]);
    const renderer = new MessageRenderer(
      site,
      (locale) => {
        const source = this.source(name, locale, overrides);
        return {
          subject: source.subject ?? BUILTIN_TEMPLATES[locale][name].subject!,
          html: source.html,
          text: source.text,
        };
      },
      (locale) => this.source('layout', locale, overrides),
    );
    return renderer.render(subscriber, links);
  }

  /** A public page (built-in only) in `locale`, with the site's name and address when known. */
  renderPage(
    page: PageName,
    locale: Locale,
    site?: { name: string; baseUrl: string } | null,
  ): string {
    const texts = PAGE_TEXTS[locale][page];
    const siteName = site?.name ?? '';
    const fill = (text: string) =>
      compile(text, 'text')({ site: siteName || (locale === 'ru' ? 'сайта' : 'this site') });
    return compile(
      PAGE_SHELL,
      'html',
    )({
      lang: locale,
      siteName,
      siteUrl: site?.baseUrl && /^https?:\/\//i.test(site.baseUrl) ? site.baseUrl : '',
      title: texts.title,
      message: fill(texts.message),
      button: texts.button ?? '',
    });
  }

  private requireLink(name: TemplateName, field: 'html' | 'text', source: string): void {
    if (name === 'layout' && !mentions(source, 'unsubscribeUrl')) {
      throw badRequest(
        'unsubscribe_link_missing',
        `${field}: a layout must contain {{unsubscribeUrl}}`,
        { field },
      );
    }
    // Double braces would HTML-escape the message itself.
    if (name === 'layout' && !mentions(source, 'body', field === 'html')) {
      throw badRequest(
        'body_missing',
        `${field}: a layout must contain {{{body}}} (three braces)`,
        { field },
      );
    }
    if (name === 'confirm' && !mentions(source, 'confirmUrl')) {
      throw badRequest(
        'confirm_link_missing',
        `${field}: a confirm template must contain {{confirmUrl}}`,
        { field },
      );
    }
  }

  private source(name: TemplateName, locale: Locale, overrides: Overrides): TemplateSource {
    const own = overrides.get(key(name, locale));
    return own
      ? { subject: own.subject, html: own.html, text: own.text }
      : BUILTIN_TEMPLATES[locale][name];
  }

  private describe(name: TemplateName, locale: Locale, overrides: Overrides): TemplateDto {
    const own = overrides.get(key(name, locale));
    const builtIn = BUILTIN_TEMPLATES[locale][name];
    return {
      name,
      locale,
      subject: own ? own.subject : builtIn.subject,
      html: own ? own.html : builtIn.html,
      text: own ? own.text : builtIn.text,
      builtIn: !own,
      updatedAt: own ? own.updatedAt.toISOString() : null,
    };
  }

  private async overrides(siteId: string, names: TemplateName[]): Promise<Overrides> {
    const rows = await this.templates.findBy({ siteId, name: In(names) });
    return new Map(rows.map((row) => [key(row.name, row.locale), row]));
  }
}
