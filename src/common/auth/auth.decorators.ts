import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiForbiddenResponse, ApiNotFoundResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AuthGuard } from './auth.guard';
import { Access } from './auth.types';

export const ACCESS_KEY = 'vestnik:access';

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

/** The site named by `:site`, already checked against the key. */
export const CurrentSite = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>().site,
);

/** The authenticated principal. */
export const CurrentPrincipal = createParamDecorator(
  (_: unknown, ctx: ExecutionContext) => ctx.switchToHttp().getRequest<FastifyRequest>().principal,
);
