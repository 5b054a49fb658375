import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthGuard } from './auth.guard';
import { Access, Caller } from './auth.types';

export const ACCESS_KEY = 'vestnik:access';
export const KEY_IN_STATEMENT = 'vestnik:key-in-statement';

/**
 * Requires a key with the given access. On routes with a `:site` parameter the site is
 * resolved and scoped: a site key for another site sees 404, as if the site did not exist.
 */
export const Auth = (access: Access) =>
  applyDecorators(
    SetMetadata(ACCESS_KEY, access),
    UseGuards(AuthGuard),
    ApiBearerAuth(),
    ApiUnauthorizedResponse({ description: 'Missing or unknown key (code `unauthorized`)' }),
    ApiForbiddenResponse({ description: 'The key may not do this (code `forbidden`)' }),
    ApiNotFoundResponse({ description: 'No such resource on this site' }),
  );

/**
 * `Auth('backend')` for a route whose own statement checks a site key (registration, the
 * hottest route: one round trip to PostgreSQL instead of two). The guard only reads the key;
 * the route gets it as `CurrentCaller`, must refuse it (401, or 404 for another site's slug)
 * before writing anything, and, when anything else fails first (validation, a bad address),
 * must still answer 401 or 404 for such a key, as every route does
 * (`ApiKeysService.refuseUnlessOwnKey`). The admin key is checked by the guard as everywhere.
 */
export const AuthInStatement = () => applyDecorators(Auth('backend'), SetMetadata(KEY_IN_STATEMENT, true));

/** On `AuthInStatement` routes: the checked site and principal, or the key still to check. */
export const CurrentCaller = createParamDecorator((_: unknown, ctx: ExecutionContext): Caller => {
  const request = ctx.switchToHttp().getRequest<FastifyRequest>();
  return request.uncheckedKey ? { key: request.uncheckedKey } : { site: request.site!, principal: request.principal! };
});

/** The site named by `:site`, already checked against the key. */
export const CurrentSite = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>().site,
);

/** The authenticated principal. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>().principal,
);
