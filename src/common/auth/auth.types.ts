import type { Site } from '../../sites/site.entity';
import type { KeyRole } from '../../sites/api-key.entity';

/** Who made the request: the admin key, or a site key with its role. */
export type Principal =
  | { kind: 'admin'; keyId: null }
  | { kind: 'site'; keyId: string; siteId: string; role: KeyRole };

/** What a route requires. `backend` routes admit marketing keys too; `admin` only the admin key. */
export type Access = 'admin' | 'backend' | 'marketing' | 'any';

/**
 * A site key that the guard has not looked up (routes marked `AuthInStatement`): `prefix` and the
 * key's SHA-256 `hash` (hex) must match an unrevoked key of the site `slug`, which the route's
 * own statement checks.
 */
export interface UncheckedSiteKey {
  prefix: string;
  hash: string;
  slug: string;
}

/** Who calls a route marked `AuthInStatement`: checked already (admin), or a key still to check. */
export type Caller = { site: Site; principal: Principal } | { key: UncheckedSiteKey };

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
    site?: Site;
    uncheckedKey?: UncheckedSiteKey;
  }
}
