import { Injectable } from '@nestjs/common';
import { ApiKeysService } from '../sites/api-keys.service';
import { CreateApiKeyDto, mapApiKey } from '../sites/dto/api-key.dto';
import { CreatePolicyDto, mapPolicy } from '../sites/dto/policy.dto';
import { CreateSiteDto, UpdateSiteDto } from '../sites/dto/site.dto';
import { PoliciesService } from '../sites/policies.service';
import { CONFIRMATION_POLICIES, Site } from '../sites/site.entity';
import { SitesService } from '../sites/sites.service';
import { notFound } from '../common/app-exception';
import { ConsoleContext } from './console.context';
import { Form, formError, formToDto } from './console-forms';
import { ConsoleResult } from './console-views.service';

const SITE_FIELDS = ['slug', 'name', 'baseUrl', 'fromEmail', 'fromName', 'replyTo', 'confirmation', 'locale'];

/** Admin pages: sites and their settings, keys, policy versions. Rules stay in src/sites. */
@Injectable()
export class ConsoleAdminService {
  constructor(
    private readonly sites: SitesService,
    private readonly keys: ApiKeysService,
    private readonly policies: PoliciesService,
  ) {}

  async sitesPage(ctx: ConsoleContext, extra: Record<string, unknown> = {}, status = 200): Promise<ConsoleResult> {
    const sites = await this.sites.list(ctx.principal!);
    return {
      view: 'admin-sites',
      title: 'sites',
      nav: 'admin',
      status,
      data: { sites, confirmations: CONFIRMATION_POLICIES, form: {}, ...extra },
    };
  }

  async createSite(ctx: ConsoleContext, form: Form): Promise<ConsoleResult> {
    const parsed = await formToDto(CreateSiteDto, form, SITE_FIELDS);
    if (parsed.errors) return this.sitesPage(ctx, { formErrors: parsed.errors, form }, 400);
    try {
      const site = await this.sites.create(parsed.dto);
      return { redirect: `/console/admin/sites/${site.slug}?saved=1` };
    } catch (error) {
      return this.sitesPage(ctx, { formErrors: formError(error), form }, 400);
    }
  }

  async sitePage(ctx: ConsoleContext, slug: string, extra: Record<string, unknown> = {}, status = 200): Promise<ConsoleResult> {
    const site = await this.site(slug);
    const [keys, policies, current] = await Promise.all([
      this.keys.list(site),
      this.policies.list(site),
      this.policies.current(site.id),
    ]);
    return {
      view: 'admin-site',
      title: 'settings',
      nav: 'admin',
      status,
      data: {
        edited: site,
        form: site,
        keys: keys.map(mapApiKey),
        policies: policies.map((p) => mapPolicy(p, current?.id ?? null)),
        confirmations: CONFIRMATION_POLICIES,
        ...extra,
      },
    };
  }

  async updateSite(ctx: ConsoleContext, slug: string, form: Form): Promise<ConsoleResult> {
    const site = await this.site(slug);
    // An empty Reply-To clears it; the DTO alone cannot say "null" from a form.
    const parsed = await formToDto(UpdateSiteDto, form, SITE_FIELDS.filter((f) => f !== 'slug'));
    if (parsed.errors) return this.sitePage(ctx, slug, { formErrors: parsed.errors, form }, 400);
    const dto: UpdateSiteDto = { ...parsed.dto, replyTo: parsed.dto.replyTo ?? null };
    await this.sites.update(site, dto);
    return { redirect: `/console/admin/sites/${slug}?saved=1` };
  }

  async createKey(ctx: ConsoleContext, slug: string, form: Form): Promise<ConsoleResult> {
    const site = await this.site(slug);
    const parsed = await formToDto(CreateApiKeyDto, form, ['name', 'role']);
    if (parsed.errors) return this.sitePage(ctx, slug, { formErrors: parsed.errors }, 400);
    const { secret, key } = await this.keys.create(site, parsed.dto);
    // Shown once, in this answer only: never in a URL, a redirect or a log.
    return this.sitePage(ctx, slug, { newKey: { ...mapApiKey(key), secret } }, 201);
  }

  async revokeKey(slug: string, id: string): Promise<ConsoleResult> {
    await this.keys.revoke(await this.site(slug), id);
    return { redirect: `/console/admin/sites/${slug}?saved=1#keys` };
  }

  async createPolicy(ctx: ConsoleContext, slug: string, form: Form): Promise<ConsoleResult> {
    const site = await this.site(slug);
    const parsed = await formToDto(CreatePolicyDto, form, ['version', 'url', 'text']);
    if (parsed.errors) return this.sitePage(ctx, slug, { formErrors: parsed.errors }, 400);
    try {
      await this.policies.create(site, parsed.dto);
    } catch (error) {
      return this.sitePage(ctx, slug, { formErrors: formError(error) }, 409);
    }
    return { redirect: `/console/admin/sites/${slug}?saved=1#policies` };
  }

  private async site(slug: string): Promise<Site> {
    const site = await this.sites.findBySlug(slug);
    if (!site) throw notFound('site_not_found', 'No such site');
    return site;
  }
}
