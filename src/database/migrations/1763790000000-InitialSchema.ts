import { MigrationInterface, QueryRunner } from 'typeorm';

export class InitialSchema1763790000000 implements MigrationInterface {
  name = 'InitialSchema1763790000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sites (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        slug text NOT NULL UNIQUE,
        name text NOT NULL,
        base_url text NOT NULL,
        from_email text NOT NULL,
        from_name text NOT NULL,
        reply_to text,
        unsubscribe_mailto text,
        confirmation text NOT NULL CHECK (confirmation IN ('none','notice','double_opt_in')),
        locale text NOT NULL,
        dkim_domain text,
        dkim_selector text,
        dkim_private_key text,
        soft_bounce_limit int NOT NULL DEFAULT 3,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name text NOT NULL,
        role text NOT NULL CHECK (role IN ('backend','marketing')),
        prefix text NOT NULL UNIQUE,
        hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz
      )`);
    await q.query(`CREATE INDEX api_keys_site_idx ON api_keys (site_id)`);
    await q.query(`
      CREATE TABLE policies (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        version text NOT NULL,
        url text,
        text text,
        text_sha256 text,
        published_at timestamptz NOT NULL DEFAULT now(),
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, version)
      )`);
    await q.query(`
      CREATE TABLE subscribers (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        email text,
        email_normalized text,
        name text,
        locale text,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        status text NOT NULL CHECK (status IN ('pending','active','unsubscribed','bounced','complained')),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        confirmed_at timestamptz,
        unsubscribed_at timestamptz,
        erased_at timestamptz,
        confirm_sent_at timestamptz,
        UNIQUE (site_id, email_normalized)
      )`);
    // Fan-out walks a site's active audience by id; lists filter by status.
    await q.query(`CREATE INDEX subscribers_site_status_id_idx ON subscribers (site_id, status, id)`);
    await q.query(`CREATE INDEX subscribers_site_id_idx ON subscribers (site_id, id)`);
    await q.query(`
      CREATE TABLE subscriber_events (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        type text NOT NULL,
        channel text NOT NULL,
        ip text,
        user_agent text,
        source text,
        policy_version text,
        policy_sha256 text,
        api_key_id uuid,
        bulletin_id uuid,
        detail jsonb,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX subscriber_events_subscriber_idx ON subscriber_events (subscriber_id, id)`);
    await q.query(`CREATE INDEX subscriber_events_site_created_idx ON subscriber_events (site_id, created_at)`);
    await q.query(`
      CREATE TABLE suppressions (
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        email_hash text NOT NULL,
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (site_id, email_hash)
      )`);
    await q.query(`
      CREATE TABLE templates (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        name text NOT NULL CHECK (name IN ('layout','confirm','notice')),
        locale text NOT NULL,
        subject text,
        html text NOT NULL,
        text text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (site_id, name, locale)
      )`);
    await q.query(`
      CREATE TABLE bulletins (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        subject text NOT NULL,
        html text NOT NULL,
        text text,
        status text NOT NULL CHECK (status IN ('draft','scheduled','sending','paused','sent','cancelled')),
        scheduled_at timestamptz,
        started_at timestamptz,
        finished_at timestamptz,
        error text,
        fanout_cursor uuid,
        fanout_done boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX bulletins_site_idx ON bulletins (site_id, id)`);
    await q.query(`
      CREATE TABLE deliveries (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        bulletin_id uuid NOT NULL REFERENCES bulletins(id) ON DELETE CASCADE,
        subscriber_id uuid NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('queued','sending','sent','failed','skipped')),
        attempts int NOT NULL DEFAULT 0,
        error text,
        message_id text,
        updated_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz,
        UNIQUE (bulletin_id, subscriber_id)
      )`);
    await q.query(`CREATE INDEX deliveries_bulletin_status_idx ON deliveries (bulletin_id, status, id)`);
    await q.query(`CREATE INDEX deliveries_subscriber_idx ON deliveries (subscriber_id)`);
    await q.query(`CREATE INDEX deliveries_message_id_idx ON deliveries (message_id)`);
    await q.query(`
      CREATE TABLE messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        site_id uuid NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
        subscriber_id uuid REFERENCES subscribers(id) ON DELETE CASCADE,
        bulletin_id uuid REFERENCES bulletins(id) ON DELETE CASCADE,
        kind text NOT NULL CHECK (kind IN ('confirm','notice','test')),
        status text NOT NULL CHECK (status IN ('queued','sent','failed')),
        recipient text,
        subject text,
        message_id text,
        error text,
        attempts int NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        sent_at timestamptz
      )`);
    await q.query(`CREATE INDEX messages_subscriber_idx ON messages (subscriber_id)`);
    await q.query(`CREATE INDEX messages_message_id_idx ON messages (message_id)`);
    await q.query(`
      CREATE TABLE dev_mail (
        id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        message_id text,
        from_address text NOT NULL,
        to_address text NOT NULL,
        subject text NOT NULL,
        html text,
        text text,
        raw text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  public async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'dev_mail',
      'messages',
      'deliveries',
      'bulletins',
      'templates',
      'suppressions',
      'subscriber_events',
      'subscribers',
      'policies',
      'api_keys',
      'sites',
    ]) {
      await q.query(`DROP TABLE IF EXISTS ${table}`);
    }
  }
}
