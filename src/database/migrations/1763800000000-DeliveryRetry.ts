import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Sending ledger helpers: `retry_at` (when a delivery that failed temporarily may be tried
 * again; recovery leaves it alone until then) and a partial index over the unfinished
 * deliveries, so the periodic recovery pass never scans finished ones.
 */
export class DeliveryRetry1763800000000 implements MigrationInterface {
  name = 'DeliveryRetry1763800000000';

  public async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE deliveries ADD COLUMN retry_at timestamptz`);
    await q.query(
      `CREATE INDEX deliveries_unfinished_idx ON deliveries (updated_at) WHERE status IN ('queued','sending')`,
    );
    await q.query(`CREATE INDEX bulletins_status_idx ON bulletins (status) WHERE status IN ('scheduled','sending','paused')`);
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX IF EXISTS bulletins_status_idx`);
    await q.query(`DROP INDEX IF EXISTS deliveries_unfinished_idx`);
    await q.query(`ALTER TABLE deliveries DROP COLUMN IF EXISTS retry_at`);
  }
}
