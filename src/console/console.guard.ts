import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppException, forbidden, notFound } from '../common/app-exception';
import { HttpStatus } from '@nestjs/common';
import { SitesService } from '../sites/sites.service';
import { pickLocale } from './console-i18n';
import {
  CONSOLE_ACCESS,
  CONSOLE_UPLOAD,
  ConsoleAccess,
  ConsoleContext,
  CSRF_COOKIE,
  LANG_COOKIE,
  SESSION_COOKIE,
  SignInRequired,
} from './console.context';
import { ConsoleSessionsService } from './session/console-sessions.service';

export const csrfRejected = () =>
  new AppException(HttpStatus.FORBIDDEN, 'csrf_invalid', 'The form has expired or did not come from this console');

/**
 * Builds the ConsoleContext: locale, session, CSRF token; checks the CSRF token of every POST
 * (routes marked @ConsoleUpload check a multipart upload's in the handler, as it arrives in the stream) and
 * the site of the path against the session's key.
 */
@Injectable()
export class ConsoleGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly sessions: ConsoleSessionsService,
    private readonly sites: SitesService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access =
      this.reflector.getAllAndOverride<ConsoleAccess>(CONSOLE_ACCESS, [context.getHandler(), context.getClass()]) ??
      'site';
    const req = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const secure = req.protocol === 'https';
    const session = await this.sessions.find(req.cookies?.[SESSION_COOKIE]);
    const secret = session?.csrfSecret ?? this.anonymousSecret(req, reply, secure);
    const ctx: ConsoleContext = {
      locale: pickLocale(req.cookies?.[LANG_COOKIE], req.headers['accept-language']),
      csrfToken: this.sessions.csrf.create(secret),
      sessionId: session?.id ?? null,
      principal: session?.principal ?? null,
      site: null,
      secure,
      verifyCsrf: (token) => this.verify(secret, token),
    };
    req.console = ctx;

    // Only upload routes may defer the check to their handler; any other multipart POST needs the header token.
    const upload = this.reflector.get<boolean>(CONSOLE_UPLOAD, context.getHandler()) && req.isMultipart();
    if (req.method === 'POST' && !upload) this.checkCsrf(req, secret);
    if (access === 'public') return true;
    if (!session) throw new SignInRequired();
    if (access === 'admin' && session.principal.kind !== 'admin') throw forbidden('Only the admin key may do that');

    const slug = (req.params as Record<string, string> | undefined)?.site;
    if (slug !== undefined) {
      const site = await this.sites.findBySlug(slug);
      if (!site || (session.principal.kind === 'site' && session.principal.siteId !== site.id)) {
        throw notFound('site_not_found', 'No such site');
      }
      ctx.site = site;
    }
    return true;
  }

  /** Verifies a token from the form field or the X-CSRF-Token header (fetches). */
  verify(secret: string, token: unknown): boolean {
    return typeof token === 'string' && token.length < 200 && this.sessions.csrf.verify(secret, token);
  }

  private checkCsrf(req: FastifyRequest, secret: string): void {
    const body = req.body as Record<string, unknown> | undefined;
    const token = body?._csrf ?? req.headers['x-csrf-token'];
    if (!this.verify(secret, token)) throw csrfRejected();
  }

  /** Before sign-in the CSRF secret lives in its own cookie (login forms need protecting too). */
  private anonymousSecret(req: FastifyRequest, reply: FastifyReply, secure: boolean): string {
    const existing = req.cookies?.[CSRF_COOKIE];
    if (existing && /^[A-Za-z0-9_-]{10,100}$/.test(existing)) return existing;
    const secret = this.sessions.csrf.secretSync();
    void reply.setCookie(CSRF_COOKIE, secret, { path: '/console', httpOnly: true, sameSite: 'strict', secure });
    return secret;
  }
}
