import { Inject, Injectable } from '@nestjs/common';
import Handlebars from 'handlebars';
import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { APP_CONFIG } from '../config/config.module';
import { AppConfig } from '../config/config';
import { ConsoleContext } from './console.context';
import { DICTIONARIES, translate } from './console-i18n';

/** What a console handler answers; ConsoleRenderInterceptor turns it into the HTTP reply. */
export type ConsoleResult =
  | { view: string; title: string; data?: Record<string, unknown>; status?: number; nav?: string }
  | { redirect: string }
  | { json: unknown; status?: number }
  | { download: string; filename: string; type: string };

const VIEWS_DIR = join(__dirname, 'views');

/**
 * Server-side rendering with a private Handlebars instance (no global helpers leak into the
 * mail templates). Views are compiled once at start-up; values are HTML-escaped by default.
 */
@Injectable()
export class ConsoleViews {
  private readonly hbs = Handlebars.create();
  private readonly views = new Map<string, Handlebars.TemplateDelegate>();

  /** The development mailbox exists only outside production and without SMTP_URL (see src/mail). */
  private readonly mailbox: boolean;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.mailbox = config.env !== 'production' && !config.smtpUrl;
    this.registerHelpers();
    for (const file of readdirSync(join(VIEWS_DIR, 'partials'))) {
      this.hbs.registerPartial(basename(file, '.hbs'), readFileSync(join(VIEWS_DIR, 'partials', file), 'utf8'));
    }
    for (const file of readdirSync(VIEWS_DIR).filter((f) => f.endsWith('.hbs'))) {
      this.views.set(basename(file, '.hbs'), this.hbs.compile(readFileSync(join(VIEWS_DIR, file), 'utf8')));
    }
  }

  render(ctx: ConsoleContext, result: Extract<ConsoleResult, { view: string }>): string {
    const view = this.views.get(result.view);
    if (!view) throw new Error(`No console view ${result.view}`);
    const principal = ctx.principal;
    const common = {
      locale: ctx.locale,
      dict: DICTIONARIES[ctx.locale],
      csrf: ctx.csrfToken,
      signedIn: !!principal,
      isAdmin: principal?.kind === 'admin',
      site: ctx.site,
      nav: result.nav,
      title: translate(ctx.locale, result.title),
      mailbox: this.mailbox && !!principal,
    };
    const data = { ...common, ...result.data };
    return this.views.get('layout')!({ ...data, body: view(data) });
  }

  private registerHelpers(): void {
    const root = (options: Handlebars.HelperOptions) => options.data.root as { locale: 'ru' | 'en' };
    this.hbs.registerHelper('t', function (key: string, ...rest: unknown[]) {
      const options = rest.pop() as Handlebars.HelperOptions;
      return translate(root(options).locale, key, rest as Array<string | number>);
    });
    this.hbs.registerHelper('concat', (...args: unknown[]) => args.slice(0, -1).join(''));
    this.hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
    this.hbs.registerHelper('or', (...args: unknown[]) => args.slice(0, -1).some(Boolean));
    this.hbs.registerHelper('json', (value: unknown) => JSON.stringify(value ?? null, null, 2));
    this.hbs.registerHelper('date', function (value: unknown, options: Handlebars.HelperOptions) {
      if (!value) return '—';
      const date = value instanceof Date ? value : new Date(String(value));
      return date.toLocaleString(root(options).locale === 'ru' ? 'ru-RU' : 'en-GB', {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: 'UTC',
      });
    });
    this.hbs.registerHelper('selected', (a: unknown, b: unknown) => (a === b ? 'selected' : ''));
  }
}
