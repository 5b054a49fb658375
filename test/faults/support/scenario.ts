import { FaultCluster, scale, Site } from './fault-cluster';

/**
 * Recovery knobs for the fault runs: a dead worker's claims come back within seconds, not minutes.
 * Not lower than 10 s: a live worker's claim of a 100-message chunk carries no heartbeat, so on a
 * busy 2-core machine a shorter timeout takes work from the living and mails it twice.
 */
export const RECOVERY_ENV = { DELIVERY_STUCK_SECONDS: '10', RECOVERY_INTERVAL_SECONDS: '1' };

/** Recipients per bulletin: small in `npm test`, larger under `npm run chaos`. */
export const RECIPIENTS = scale(400, 5000);

export interface RunningBulletin {
  site: Site;
  bulletinId: string;
  recipients: string[];
}

/** A site with `n` active subscribers and a bulletin to them, already sending. */
export async function startBulletin(c: FaultCluster, n = RECIPIENTS, domain = 'fault.test'): Promise<RunningBulletin> {
  const site = await c.createSite({ confirmation: 'none' });
  const recipients = await c.seedActive(site.id, n, domain);
  const bulletinId = await c.createBulletin(site);
  await c.sendBulletin(site, bulletinId);
  return { site, bulletinId, recipients };
}
