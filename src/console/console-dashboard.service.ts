import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { BulletinsService } from '../bulletins/bulletins.service';
import { ConsoleContext } from './console.context';
import { dailyChart, DayPoint } from './console-chart';
import { translate } from './console-i18n';
import { ConsoleResult } from './console-views.service';

const STATUSES = ['active', 'pending', 'unsubscribed', 'bounced', 'complained'];

/** The per-site dashboard: counts by status, 30 days of registrations/unsubscribes, recent bulletins. */
@Injectable()
export class ConsoleDashboardService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly bulletins: BulletinsService,
  ) {}

  async page(ctx: ConsoleContext): Promise<ConsoleResult> {
    const site = ctx.site!;
    const [counts, days, recent] = await Promise.all([
      this.countsByStatus(site.id),
      this.daily(site.id),
      this.bulletins.list(site, { limit: 5 }),
    ]);
    const total = counts.reduce((sum, c) => sum + c.count, 0);
    const chart = dailyChart(days, {
      registered: translate(ctx.locale, 'registrations'),
      unsubscribed: translate(ctx.locale, 'unsubscribes'),
    });
    const sums = days.reduce((a, d) => ({ r: a.r + d.registered, u: a.u + d.unsubscribed }), { r: 0, u: 0 });
    return {
      view: 'dashboard',
      title: 'dashboard',
      nav: 'dashboard',
      data: { counts, total, chart, sums, bulletins: recent.items },
    };
  }

  /** Reporting reads: the (site_id, status) index serves the count; erased rows are not people any more. */
  private async countsByStatus(siteId: string): Promise<Array<{ status: string; count: number }>> {
    const rows: Array<{ status: string; count: string }> = await this.db.query(
      `SELECT status, count(*) AS count FROM subscribers WHERE site_id = $1 AND erased_at IS NULL GROUP BY status`,
      [siteId],
    );
    const byStatus = new Map(rows.map((r) => [r.status, Number(r.count)]));
    return STATUSES.map((status) => ({ status, count: byStatus.get(status) ?? 0 }));
  }

  /** One row per UTC day of the last 30, zeros included, from the append-only ledger. */
  private async daily(siteId: string): Promise<DayPoint[]> {
    const rows: Array<{ day: string; registered: string; unsubscribed: string }> = await this.db.query(
      `WITH days AS (
         SELECT generate_series((now() AT TIME ZONE 'UTC')::date - 29, (now() AT TIME ZONE 'UTC')::date, '1 day')::date AS day
       ), ev AS (
         SELECT (created_at AT TIME ZONE 'UTC')::date AS day, type FROM subscriber_events
          WHERE site_id = $1 AND type IN ('registered', 'unsubscribed')
            AND created_at >= (now() AT TIME ZONE 'UTC')::date - 29
       )
       SELECT to_char(d.day, 'YYYY-MM-DD') AS day,
              count(ev.type) FILTER (WHERE ev.type = 'registered') AS registered,
              count(ev.type) FILTER (WHERE ev.type = 'unsubscribed') AS unsubscribed
         FROM days d LEFT JOIN ev ON ev.day = d.day
        GROUP BY d.day ORDER BY d.day`,
      [siteId],
    );
    return rows.map((r) => ({ day: r.day, registered: Number(r.registered), unsubscribed: Number(r.unsubscribed) }));
  }
}
