import { Subscriber, SubscriberStatus } from './subscriber.entity';

/** A `subscribers` row as PostgreSQL returns it from raw SQL (`RETURNING *`, `SELECT *`). */
export interface SubscriberRow {
  id: string;
  site_id: string;
  email: string | null;
  email_normalized: string | null;
  name: string | null;
  locale: string | null;
  attributes: Record<string, unknown> | null;
  status: SubscriberStatus;
  created_at: Date;
  updated_at: Date;
  confirmed_at: Date | null;
  unsubscribed_at: Date | null;
  erased_at: Date | null;
  confirm_sent_at: Date | null;
}

/**
 * The columns of SubscriberRow, for `RETURNING` lists of named (prepared) statements: an explicit
 * list keeps a statement's result type fixed when a later migration adds a column, where
 * `RETURNING *` would fail with "cached plan must not change result type".
 */
export const SUBSCRIBER_COLUMNS =
  'id, site_id, email, email_normalized, name, locale, attributes, status, created_at, updated_at, ' +
  'confirmed_at, unsubscribed_at, erased_at, confirm_sent_at';

/** Raw SQL bypasses TypeORM's column mapping, so rows are turned into entities here, in one place. */
export function rowToSubscriber(row: SubscriberRow): Subscriber {
  return Object.assign(new Subscriber(), {
    id: row.id,
    siteId: row.site_id,
    email: row.email,
    emailNormalized: row.email_normalized,
    name: row.name,
    locale: row.locale,
    attributes: row.attributes ?? {},
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    confirmedAt: row.confirmed_at,
    unsubscribedAt: row.unsubscribed_at,
    erasedAt: row.erased_at,
    confirmSentAt: row.confirm_sent_at,
  });
}
