import { MigrationInterface, QueryRunner } from 'typeorm';

/** Outbound webhooks (outbox + per-webhook delivery log), bounce records and per-site bounce provider secrets. */
export class WebhooksAndBounces1763799000000 implements MigrationInterface {
  name = 'WebhooksAndBounces1763799000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE webhooks (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        url text NOT NULL,
        events text[] NOT NULL,
        secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz
      )`);
    await q.query(`CREATE INDEX webhooks_site_idx ON webhooks (site_id, id) WHERE deleted_at IS NULL`);
    await q.query(`
      CREATE TABLE webhook_events (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- Commit-independent order of events: what "earlier" means for ordering per subscriber.
        seq bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        type text NOT NULL,
        subscriber_id uuid,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE webhook_deliveries (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        webhook_id uuid NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
        event_id uuid NOT NULL REFERENCES webhook_events(id) ON DELETE CASCADE,
        event_seq bigint NOT NULL,
        subscriber_id uuid,
        status text NOT NULL CHECK (status IN ('pending','sending','delivered','failed')),
        attempts int NOT NULL DEFAULT 0,
        response_status int,
        error text,
        next_attempt_at timestamptz NOT NULL DEFAULT now(),
        locked_until timestamptz,
        delivered_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (webhook_id, event_id),
        UNIQUE (webhook_id, event_seq)
      )`);
    // Ordering per subscriber asks "is an earlier one for this webhook and subscriber still open?".
    await q.query(
      `CREATE INDEX webhook_deliveries_open_idx ON webhook_deliveries (webhook_id, subscriber_id, event_seq)
       WHERE status IN ('pending','sending')`,
    );
    // The recovery pass looks for open rows whose time has passed.
    await q.query(
      `CREATE INDEX webhook_deliveries_due_idx ON webhook_deliveries (next_attempt_at)
       WHERE status IN ('pending','sending')`,
    );

    await q.query(`
      CREATE TABLE bounces (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        bulletin_id uuid REFERENCES bulletins(id) ON DELETE SET NULL,
        type text NOT NULL CHECK (type IN ('hard','soft','complaint')),
        source text NOT NULL,
        reason text,
        provider_event_id text,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX bounces_subscriber_idx ON bounces (subscriber_id, created_at)`);
    await q.query(`CREATE INDEX bounces_bulletin_idx ON bounces (bulletin_id, type) WHERE bulletin_id IS NOT NULL`);
    // Providers retry their notifications: the same event must count once.
    await q.query(
      `CREATE UNIQUE INDEX bounces_provider_event_idx ON bounces (site_id, source, provider_event_id)
       WHERE provider_event_id IS NOT NULL`,
    );

    await q.query(`
      CREATE TABLE bounce_settings (
        site_id uuid PRIMARY KEY REFERENCES sites(id) ON DELETE CASCADE,
        ses_topic_arns text[] NOT NULL DEFAULT '{}',
        postmark_username text,
        postmark_password text,
        mailgun_signing_key text,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of ['bounce_settings', 'bounces', 'webhook_deliveries', 'webhook_events', 'webhooks']) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
