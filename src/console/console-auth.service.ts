import { Injectable } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiKeysService } from '../sites/api-keys.service';
import { SitesService } from '../sites/sites.service';
import { ConsoleContext, CSRF_COOKIE, LANG_COOKIE, SESSION_COOKIE } from './console.context';
import { ConsoleResult } from './console-views.service';
import { ConsoleSessionsService, SESSION_TTL_SECONDS } from './session/console-sessions.service';

export interface SignInForm {
  key?: string;
  _csrf?: string;
}

@Injectable()
export class ConsoleAuthService {
  constructor(
    private readonly keys: ApiKeysService,
    private readonly sites: SitesService,
    private readonly sessions: ConsoleSessionsService,
  ) {}

  /** Signed in: the admin's site list or the marketing key's own site. Otherwise the sign-in form. */
  async home(ctx: ConsoleContext): Promise<ConsoleResult> {
    const principal = ctx.principal;
    if (!principal) return { view: 'sign-in', title: 'sign_in_title' };
    if (principal.kind === 'admin') return { redirect: '/console/admin/sites' };
    const site = await this.sites.getById(principal.siteId);
    return { redirect: `/console/sites/${site.slug}` };
  }

  async signIn(ctx: ConsoleContext, form: SignInForm, reply: FastifyReply): Promise<ConsoleResult> {
    const principal = await this.keys.authenticate(typeof form.key === 'string' ? form.key.trim() : null);
    const refused = !principal ? 'bad_key' : principal.kind === 'site' && principal.role !== 'marketing' ? 'backend_key' : null;
    if (refused || !principal) {
      return { view: 'sign-in', title: 'sign_in_title', status: 401, data: { errorKey: refused } };
    }
    if (ctx.sessionId) await this.sessions.close(ctx.sessionId);
    const token = await this.sessions.open(principal);
    void reply
      .setCookie(SESSION_COOKIE, token, {
        path: '/console',
        httpOnly: true,
        sameSite: 'strict',
        secure: ctx.secure,
        maxAge: SESSION_TTL_SECONDS,
      })
      .clearCookie(CSRF_COOKIE, { path: '/console' });
    return { redirect: '/console' };
  }

  async signOut(ctx: ConsoleContext, reply: FastifyReply): Promise<ConsoleResult> {
    if (ctx.sessionId) await this.sessions.close(ctx.sessionId);
    void reply.clearCookie(SESSION_COOKIE, { path: '/console' });
    return { redirect: '/console' };
  }

  language(ctx: ConsoleContext, form: { lang?: string; back?: string }, reply: FastifyReply): ConsoleResult {
    const lang = form.lang === 'en' ? 'en' : 'ru';
    void reply.setCookie(LANG_COOKIE, lang, {
      path: '/console',
      sameSite: 'strict',
      secure: ctx.secure,
      maxAge: 365 * 86400,
    });
    // Only console paths: the switch must not become an open redirect.
    const back = typeof form.back === 'string' && /^\/console(\/[A-Za-z0-9/_-]*)?(\?[^\r\n]*)?$/.test(form.back) ? form.back : '/console';
    return { redirect: back };
  }
}
