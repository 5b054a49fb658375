import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { badRequest } from './app-exception';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string | undefined, check: (value: unknown) => value is T): T | null {
  if (!cursor) return null;
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(value)) return value;
  } catch {
    // fall through to the error below
  }
  throw badRequest('invalid_cursor', 'cursor is not valid');
}

/** Builds a page from `limit + 1` fetched rows. */
export function toPage<R, T>(rows: R[], limit: number, map: (row: R) => T, cursorOf: (row: R) => unknown): Page<T> {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return {
    items: items.map(map),
    nextCursor: more ? encodeCursor(cursorOf(items[items.length - 1])) : null,
  };
}

export const isUuid = (value: unknown): value is string =>
  typeof value === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);

/** A cursor that names the last row by its id; the query reads that row's sort keys itself. */
export const isIdCursor = (value: unknown): value is { id: string } =>
  typeof value === 'object' && value !== null && isUuid((value as { id?: unknown }).id);

/**
 * One page of a site's rows of `table` (aliased as `qb`'s main alias), ordered by `columns`
 * (property and column names; the last one `id`), all in one direction. The cursor names the
 * page's last row by id, and the next page starts after that row's own values, read by the
 * query: a Date in the cursor would lose PostgreSQL's microseconds. A row of another site
 * names nothing, and the page after it is empty.
 */
export async function pageOfSiteRows<T extends ObjectLiteral & { id: string }>(
  qb: SelectQueryBuilder<T>,
  table: string,
  siteId: string,
  order: { columns: [property: string, column: string][]; direction: 'ASC' | 'DESC' },
  limit = 100,
  cursor?: string,
): Promise<Page<T>> {
  const after = decodeCursor(cursor, isIdCursor);
  const a = qb.alias;
  qb.where(`${a}.site_id = :siteId`, { siteId }).take(limit + 1);
  for (const [property] of order.columns) qb.addOrderBy(`${a}.${property}`, order.direction);
  if (after) {
    const mine = order.columns.map(([, column]) => `${a}.${column}`).join(', ');
    const theirs = order.columns.map(([, column]) => `c.${column}`).join(', ');
    const op = order.direction === 'ASC' ? '>' : '<';
    qb.andWhere(`(${mine}) ${op} (SELECT ${theirs} FROM ${table} c WHERE c.id = :after AND c.site_id = :siteId)`, { after: after.id });
  }
  return toPage(await qb.getMany(), limit, (row) => row, (row) => ({ id: row.id }));
}
