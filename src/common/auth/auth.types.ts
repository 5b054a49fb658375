import type { Site } from '../../sites/site.entity';
import type { KeyRole } from '../../sites/api-key.entity';

/** Who made the request: the admin key, or a site key with its role. */
export type Principal =
  | { kind: 'admin'; keyId: null }
  | { kind: 'site'; keyId: string; siteId: string; role: KeyRole };

/** What a route requires. `backend` routes admit marketing keys too; `admin` only the admin key. */
export type Access = 'admin' | 'backend' | 'marketing' | 'any';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    site?: Site;
  }
}
