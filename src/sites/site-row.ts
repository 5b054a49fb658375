import { Site } from './site.entity';

/**
 * `sites` columns (database name → property), for hot paths that read a site in the same raw
 * statement as something else (the auth guard with the API key, the unsubscribe page with its
 * UPDATE) instead of a separate TypeORM lookup. site-row.spec.ts checks it against the entity.
 */
export const SITE_COLUMNS = {
  id: 'id',
  slug: 'slug',
  name: 'name',
  base_url: 'baseUrl',
  from_email: 'fromEmail',
  from_name: 'fromName',
  reply_to: 'replyTo',
  unsubscribe_mailto: 'unsubscribeMailto',
  confirmation: 'confirmation',
  locale: 'locale',
  dkim_domain: 'dkimDomain',
  dkim_selector: 'dkimSelector',
  dkim_private_key: 'dkimPrivateKey',
  soft_bounce_limit: 'softBounceLimit',
  created_at: 'createdAt',
  updated_at: 'updatedAt',
} as const satisfies Record<string, keyof Site>;

const ENTRIES = Object.entries(SITE_COLUMNS);

/** `alias.col AS "prefixcol", …` for a SELECT list; read back with `rowToSite(row, prefix)`. */
export function siteSelect(alias: string, prefix: string): string {
  return ENTRIES.map(([column]) => `${alias}.${column} AS "${prefix}${column}"`).join(', ');
}

/** The Site entity from a raw row (columns named `prefix + column`); null when the join found none. */
export function rowToSite(raw: object, prefix = ''): Site | null {
  const row = raw as Record<string, unknown>;
  if (row[`${prefix}id`] == null) return null;
  const site = new Site();
  const target = site as unknown as Record<string, unknown>;
  for (const [column, property] of ENTRIES) target[property] = row[`${prefix}${column}`];
  return site;
}
