import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Repository } from 'typeorm';
import { PageName } from '../mail/templates/builtin-pages';
import { pickLocale } from '../mail/templates/message-renderer';
import { TemplatesService } from '../mail/templates/templates.service';
import { Locale, Site } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import { Subscriber } from '../subscribers/subscriber.entity';
import { SubscriptionStateService } from '../subscribers/subscription-state.service';
import { TokenClaims, TokenPurpose, TokensService } from '../tokens/tokens.service';
import { ONE_CLICK_TEXT } from '../mail/templates/builtin-pages';

/** What the controller sends back: a status, a content type and a body. */
export interface PageAnswer {
  status: 200 | 400;
  type: 'html' | 'text';
  body: string;
}

/** Who clicked: recorded in the consent ledger. */
export interface ClickMeta {
  ip: string | null;
  userAgent: string | null;
  /** Accept-Language, for the language of an error page when the token names nobody. */
  acceptLanguage: string | null;
}

interface Resolved {
  claims: TokenClaims;
  site: Site;
  subscriber: Subscriber;
}

/**
 * The confirm and unsubscribe pages. GET only reads (mail scanners follow every link); POST
 * changes state through SubscriptionStateService, which commits before we answer.
 */
@Injectable()
export class PublicPagesService {
  constructor(
    private readonly tokens: TokensService,
    private readonly sites: SitesService,
    private readonly state: SubscriptionStateService,
    private readonly templates: TemplatesService,
    @InjectRepository(Subscriber) private readonly subscribers: Repository<Subscriber>,
  ) {}

  /** GET: a page with one button that POSTs back; or the outcome when it already happened. */
  async show(purpose: TokenPurpose, token: string, meta: ClickMeta): Promise<PageAnswer> {
    const found = await this.resolve(purpose, token);
    if (!found) return this.invalid(null, meta);
    const { site, subscriber } = found;
    if (purpose === 'unsubscribe') {
      return this.page(
        subscriber.status === 'unsubscribed' ? 'unsubscribe-done' : 'unsubscribe-ask',
        site,
        subscriber,
      );
    }
    if (subscriber.status === 'active') return this.page('confirm-done', site, subscriber);
    if (subscriber.status === 'pending') return this.page('confirm-ask', site, subscriber);
    return this.invalid(site, meta, subscriber); // unsubscribed or bounced since: the link no longer applies
  }

  /** POST /confirm: pending → active (again: harmless). */
  async confirm(token: string, meta: ClickMeta): Promise<PageAnswer> {
    const claims = this.tokens.verify(token, 'confirm');
    if (!claims) return this.invalid(null, meta);
    const { subscriber } = await this.state.confirm(claims.siteId, claims.subscriberId, {
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    const site = subscriber ? await this.siteOf(claims) : null;
    if (!subscriber || !site) return this.invalid(site, meta);
    if (subscriber.status !== 'active') return this.invalid(site, meta, subscriber);
    return this.page('confirm-done', site, subscriber);
  }

  /** POST /unsubscribe: → unsubscribed before answering; `oneClick` (RFC 8058) gets a short text. */
  async unsubscribe(token: string, oneClick: boolean, meta: ClickMeta): Promise<PageAnswer> {
    const claims = this.tokens.verify(token, 'unsubscribe');
    // One statement: the change, its ledger event, the webhook outbox and the site for the page.
    const result = claims
      ? await this.state.unsubscribeWithSite(
          claims.siteId,
          claims.subscriberId,
          oneClick ? 'one_click' : 'page',
          {
            ip: meta.ip,
            userAgent: meta.userAgent,
            bulletinId: claims.bulletinId ?? null,
          },
        )
      : null;
    const site = result?.subscriber ? result.site : null;
    if (!result?.subscriber || !site) {
      return oneClick
        ? { status: 400, type: 'text', body: ONE_CLICK_TEXT.invalid }
        : this.invalid(site, meta);
    }
    if (oneClick) return { status: 200, type: 'text', body: ONE_CLICK_TEXT.done };
    return this.page('unsubscribe-done', site, result.subscriber);
  }

  /** The 400 page, in the subscriber's, the site's or the browser's language. */
  invalid(
    site: Site | null,
    meta: Pick<ClickMeta, 'acceptLanguage'>,
    subscriber?: Subscriber,
  ): PageAnswer {
    const locale =
      subscriber || site
        ? pickLocale(subscriber?.locale, site?.locale ?? 'en')
        : browserLocale(meta.acceptLanguage);
    return { status: 400, type: 'html', body: this.templates.renderPage('invalid', locale, site) };
  }

  private page(name: PageName, site: Site, subscriber: Subscriber): PageAnswer {
    const locale = pickLocale(subscriber.locale, site.locale);
    return { status: 200, type: 'html', body: this.templates.renderPage(name, locale, site) };
  }

  private async resolve(purpose: TokenPurpose, token: string): Promise<Resolved | null> {
    const claims = this.tokens.verify(token, purpose);
    if (!claims) return null;
    const subscriber = await this.subscribers.findOneBy({
      id: claims.subscriberId,
      siteId: claims.siteId,
      erasedAt: IsNull(),
    });
    const site = subscriber ? await this.siteOf(claims) : null;
    return subscriber && site ? { claims, site, subscriber } : null;
  }

  private async siteOf(claims: TokenClaims): Promise<Site | null> {
    return this.sites.getById(claims.siteId).catch(() => null);
  }
}

/** ru when the browser prefers Russian over English, else en. */
export function browserLocale(acceptLanguage: string | null | undefined): Locale {
  const ranked = (acceptLanguage ?? '')
    .split(',')
    .map((part) => {
      const [tag, ...params] = part.trim().toLowerCase().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { lang: tag.split('-')[0], q: q === undefined ? 1 : Number(q) };
    })
    .filter((entry) => entry.lang === 'ru' || entry.lang === 'en')
    .sort((a, b) => b.q - a.q);
  return (ranked[0]?.lang as Locale | undefined) ?? 'en';
}
