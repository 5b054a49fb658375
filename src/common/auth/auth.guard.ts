import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService } from '../../sites/api-keys.service';
import { SitesService } from '../../sites/sites.service';
import { forbidden, notFound, unauthorized } from '../app-exception';
import { ACCESS_KEY } from './auth.decorators';
import { Access, Principal } from './auth.types';

const ROLE_ALLOWS: Record<Access, (p: Principal) => boolean> = {
  admin: (p) => p.kind === 'admin',
  any: () => true,
  backend: () => true,
  marketing: (p) => p.kind === 'admin' || p.role === 'marketing',
};

@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
    private readonly sites: SitesService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = await this.keys.authenticate(bearer(request.headers.authorization));
    if (!principal) throw unauthorized();
    request.principal = principal;

    const slug = (request.params as Record<string, string> | undefined)?.site;
    if (slug !== undefined) {
      const site = await this.sites.findBySlug(slug);
      if (!site || (principal.kind === 'site' && principal.siteId !== site.id)) {
        throw notFound('site_not_found', 'No such site');
      }
      request.site = site;
    }
    if (!ROLE_ALLOWS[access](principal)) throw forbidden();
    return true;
  }
}

function bearer(header: string | undefined): string | null {
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
