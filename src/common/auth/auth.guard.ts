import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiKeysService } from '../../sites/api-keys.service';
import { forbidden, notFound, unauthorized } from '../app-exception';
import { ACCESS_KEY, KEY_IN_STATEMENT } from './auth.decorators';
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
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const access = this.reflector.getAllAndOverride<Access>(ACCESS_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const slug = (request.params as Record<string, string> | undefined)?.site;
    if (slug !== undefined && this.reflector.get<boolean>(KEY_IN_STATEMENT, context.getHandler())) {
      // `backend` admits every site key: only which key, and whether it is this site's, is open.
      const parsed = this.keys.parse(bearer(request.headers.authorization));
      if (parsed === null) throw unauthorized();
      if (parsed !== 'admin') {
        request.uncheckedKey = { ...parsed, slug };
        return true;
      }
    }
    // One statement: the key (checked on every request, never cached) and the site it names.
    const found = await this.keys.authenticateFor(bearer(request.headers.authorization), slug);
    if (!found) throw unauthorized();
    const { principal, site } = found;
    request.principal = principal;

    if (slug !== undefined) {
      if (!site) throw notFound('site_not_found', 'No such site');
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
