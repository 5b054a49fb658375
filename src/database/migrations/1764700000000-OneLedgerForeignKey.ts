import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A ledger event names its subscriber by (site_id, subscriber_id), one foreign key instead of two
 * (site_id → sites and subscriber_id → subscribers). PostgreSQL checks each foreign key with a
 * query per inserted row; the site key was redundant (a subscriber already belongs to one site,
 * and deleting a site still cascades through its subscribers to their events), and the pair is
 * stricter: an event can no longer name a site other than its subscriber's. Measured on a
 * million-row CSV import (issue 6, auto_explain): the two checks took 2.9 s and 3.9 s.
 *
 * Upgrading a large installation: dropping a foreign key drops its triggers on both tables, so the
 * migration holds sites, subscribers and subscriber_events exclusively until it commits, which
 * takes as long as building the unique index plus one pass over the events to check the new key.
 * Plan it for a quiet moment.
 */
export class OneLedgerForeignKey1764700000000 implements MigrationInterface {
  name = 'OneLedgerForeignKey1764700000000';

  public async up(q: QueryRunner): Promise<void> {
    // The same columns as subscribers_site_id_idx, which the id-ordered walks of a site used.
    await q.query(`CREATE UNIQUE INDEX subscribers_site_id_key ON subscribers (site_id, id)`);
    await q.query(`DROP INDEX subscribers_site_id_idx`);
    await q.query(`ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_site_id_fkey`);
    await q.query(`ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_subscriber_id_fkey`);
    await q.query(
      `ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_subscriber_fkey
         FOREIGN KEY (site_id, subscriber_id) REFERENCES subscribers (site_id, id) ON DELETE CASCADE`,
    );
  }

  public async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE subscriber_events DROP CONSTRAINT subscriber_events_subscriber_fkey`);
    await q.query(
      `ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_subscriber_id_fkey
         FOREIGN KEY (subscriber_id) REFERENCES subscribers (id) ON DELETE CASCADE`,
    );
    await q.query(
      `ALTER TABLE subscriber_events ADD CONSTRAINT subscriber_events_site_id_fkey
         FOREIGN KEY (site_id) REFERENCES sites (id) ON DELETE CASCADE`,
    );
    await q.query(`CREATE INDEX subscribers_site_id_idx ON subscribers (site_id, id)`);
    await q.query(`DROP INDEX subscribers_site_id_key`);
  }
}
