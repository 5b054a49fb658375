import { Inject, Injectable } from '@nestjs/common';
import { notFound } from '../common/app-exception';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config';
import { PutTemplateDto } from '../mail/templates/template.dto';
import { TemplatesService } from '../mail/templates/templates.service';
import { TEMPLATE_NAMES, TemplateName } from '../mail/template.entity';
import { Locale, LOCALES } from '../sites/site.entity';
import { problem } from './console-bulletins.service';
import { ConsoleContext } from './console.context';
import { field, Form, formError, formToDto } from './console-forms';
import { ConsoleResult } from './console-views.service';

const SAMPLE_BODY: Record<Locale, string> = {
  ru: '<h1>Новости</h1><p>Так выглядит рассылка внутри макета.</p>',
  en: '<h1>News</h1><p>This is how a bulletin looks inside the layout.</p>',
};

/** Template pages: layout, confirm and notice, per language, with a preview of the saved version. */
@Injectable()
export class ConsoleTemplatesService {
  constructor(
    private readonly templates: TemplatesService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async page(ctx: ConsoleContext, query: Form, extra: Record<string, unknown> = {}, status = 200): Promise<ConsoleResult> {
    const name = pick(field(query, 'name'), TEMPLATE_NAMES, 'layout');
    const locale = pick(field(query, 'locale'), LOCALES, ctx.site!.locale);
    const all = await this.templates.list(ctx.site!);
    const current = all.find((t) => t.name === name && t.locale === locale)!;
    const rendered = await this.render(ctx, name, locale).catch(() => null);
    return {
      view: 'templates',
      title: 'templates',
      nav: 'templates',
      status,
      data: {
        tabs: TEMPLATE_NAMES.flatMap((n) => LOCALES.map((l) => ({ name: n, locale: l, active: n === name && l === locale }))),
        current,
        form: current,
        name,
        locale,
        rendered,
        ...extra,
      },
    };
  }

  async save(ctx: ConsoleContext, name: string, locale: string, form: Form): Promise<ConsoleResult> {
    const [n, l] = this.check(name, locale);
    const query = { name: n, locale: l };
    const parsed = await formToDto(PutTemplateDto, form, n === 'layout' ? ['html', 'text'] : ['subject', 'html', 'text']);
    if (parsed.errors) return this.page(ctx, query, { formErrors: parsed.errors, form }, 400);
    try {
      await this.templates.save(ctx.site!, n, l, parsed.dto);
    } catch (error) {
      const found = problem(error, form);
      const shown = found ? { problem: found } : { formErrors: formError(error) };
      return this.page(ctx, query, { ...shown, form }, 400);
    }
    return { redirect: `/console/sites/${ctx.site!.slug}/templates?name=${n}&locale=${l}&saved=1` };
  }

  async reset(ctx: ConsoleContext, name: string, locale: string): Promise<ConsoleResult> {
    const [n, l] = this.check(name, locale);
    await this.templates.reset(ctx.site!, n, l);
    return { redirect: `/console/sites/${ctx.site!.slug}/templates?name=${n}&locale=${l}&saved=1` };
  }

  private render(ctx: ConsoleContext, name: TemplateName, locale: Locale) {
    const site = ctx.site!;
    const sample = { email: 'subscriber@example.com', name: locale === 'ru' ? 'Иван Петров' : 'Jane Doe', locale, attributes: {} };
    const links = {
      unsubscribeUrl: `${this.config.publicUrl}/unsubscribe/preview`,
      confirmUrl: `${this.config.publicUrl}/confirm/preview`,
    };
    if (name === 'layout') {
      const content = { subject: site.name, html: SAMPLE_BODY[locale] };
      return this.templates.renderBulletin(site, content, sample, links.unsubscribeUrl);
    }
    return this.templates.renderTransactional(name, site, sample, links);
  }

  private check(name: string, locale: string): [TemplateName, Locale] {
    if (!(TEMPLATE_NAMES as string[]).includes(name) || !(LOCALES as readonly string[]).includes(locale)) {
      throw notFound('template_not_found', 'No such template');
    }
    return [name as TemplateName, locale as Locale];
  }
}

function pick<T extends string>(value: string | undefined, allowed: readonly T[], fallback: T): T {
  return value && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
}
