import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { Principal } from '../common/auth/auth.types';
import type { Site } from '../sites/site.entity';
import type { ConsoleLocale } from './console-i18n';

/** What every console handler knows about the request; set by ConsoleGuard. */
export interface ConsoleContext {
  locale: ConsoleLocale;
  /** Token for the hidden `_csrf` field of every form (and the X-CSRF-Token header of fetches). */
  csrfToken: string;
  sessionId: string | null;
  principal: Principal | null;
  /** The `:site` of the path, already checked against the principal. */
  site: Site | null;
  /** True when the request came over https (directly or through a trusted proxy). */
  secure: boolean;
  /** Checks a token that arrived outside the parsed body (a multipart upload's `_csrf` part). */
  verifyCsrf(token: unknown): boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    console?: ConsoleContext;
  }
}

export const CONSOLE_ACCESS = 'console:access';
/** `public`: no session needed (sign-in page, assets); `admin`: the admin key only; default: a signed-in marketing or admin session. */
export type ConsoleAccess = 'public' | 'admin' | 'site';
export const ConsoleAccessLevel = (access: ConsoleAccess) => SetMetadata(CONSOLE_ACCESS, access);

export const CONSOLE_UPLOAD = 'console:upload';
/** A route that takes multipart uploads and checks the `_csrf` part itself (it arrives inside the stream). */
export const ConsoleUpload = () => SetMetadata(CONSOLE_UPLOAD, true);

export const Ctx = createParamDecorator((_: unknown, context: ExecutionContext): ConsoleContext => {
  return context.switchToHttp().getRequest<FastifyRequest>().console!;
});

/** The session is missing or over: the filter sends the browser to the sign-in page. */
export class SignInRequired extends Error {}

/** Cookie names; the session cookie is scoped to /console so the API never sees it. */
export const SESSION_COOKIE = 'vestnik_console';
export const CSRF_COOKIE = 'vestnik_csrf';
export const LANG_COOKIE = 'vestnik_lang';
