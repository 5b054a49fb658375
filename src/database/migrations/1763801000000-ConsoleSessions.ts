import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Web console sessions, kept server-side: the cookie holds a random id, the table only its
 * SHA-256. A session names the API key it was opened with, so revoking the key (or deleting
 * it) ends the session; admin sessions keep the hash of the admin key they were opened with,
 * so rotating ADMIN_API_KEY ends them too.
 */
export class ConsoleSessions1763801000000 implements MigrationInterface {
  name = 'ConsoleSessions1763801000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        api_key_id uuid REFERENCES api_keys(id) ON DELETE CASCADE,
        admin_key_hash text,
        csrf_secret text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        CONSTRAINT console_sessions_one_principal CHECK ((api_key_id IS NULL) <> (admin_key_hash IS NULL))
      )`);
    await q.query(`CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at)`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS console_sessions`);
  }
}
