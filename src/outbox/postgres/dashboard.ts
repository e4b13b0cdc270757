// The dashboard's reads on PostgreSQL, with the SQLite backend's semantics
// (src/outbox/sqlite/browse-deliveries.ts, overview-counts.ts): the delivery list with the
// admin filters plus a source and a creation range (delivery ids are time-ordered, so a range
// of the primary key), and the overview's counts, each read through an index.

import type { PgContext, Sql } from "./client.ts";
import { recordColumns, toRecord, type RecordRow } from "./operator.ts";
import type { BrowseQuery, BrowseResult, OverviewCounts } from "../types.ts";

/**
 * Deliveries a source filter examines at most per page, as on SQLite (SCAN_LIMIT there). An
 * event name alone needs no bound: as in the admin list (operator.ts), the planner starts from
 * events_name for a rare name and walks the deliveries for a common one, which SQLite's
 * deliveries-by-event.ts chooses by hand; either way a rare name's deliveries are found at once.
 */
const SCAN_LIMIT = 20_000;

type Fragment = ReturnType<Sql>;

export function createDashboardQueries({ sql }: PgContext) {
  const all = (conditions: Fragment[]) => (conditions.length === 0 ? sql`TRUE` : conditions.reduce((joined, next) => sql`${joined} AND ${next}`));

  const browseDeliveries = async (query: BrowseQuery): Promise<BrowseResult> => {
    const own: Fragment[] = [];
    if (query.status !== undefined) own.push(sql`d.status = ${query.status}`);
    if (query.destination !== undefined) own.push(sql`d.destination = ${query.destination}`);
    if (query.from !== undefined) own.push(sql`d.id >= ${query.from}`);
    if (query.before !== undefined) own.push(sql`d.id < ${query.before}`);
    const joined: Fragment[] = [];
    if (query.event !== undefined) joined.push(sql`e.name = ${query.event}`);
    if (query.source !== undefined) joined.push(sql`e.source = ${query.source}`);
    const bounded = query.source !== undefined;
    // The deliveries' own filters read an index; a source's are applied to at most SCAN_LIMIT of them.
    const scanned = bounded ? sql`(SELECT * FROM deliveries d WHERE ${all(own)} ORDER BY d.id DESC LIMIT ${SCAN_LIMIT})` : sql`deliveries`;
    const conditions = bounded ? joined : [...own, ...joined];
    const rows = await sql<RecordRow[]>`
      SELECT ${recordColumns(sql)} FROM ${scanned} d JOIN events e ON e.id = d.event_id
      WHERE ${all(conditions)} ORDER BY d.id DESC LIMIT ${query.limit}`;
    const deliveries = rows.map(toRecord);
    if (!bounded || rows.length === query.limit) return { deliveries };
    const [last] = await sql<Array<{ id: string }>>`SELECT d.id FROM deliveries d WHERE ${all(own)} ORDER BY d.id DESC LIMIT 1 OFFSET ${SCAN_LIMIT - 1}`;
    return last ? { deliveries, stoppedAt: { id: last.id, examined: SCAN_LIMIT } } : { deliveries };
  };

  const overviewCounts = async (since: number): Promise<OverviewCounts> => {
    const [row] = await sql<Array<{ pending: number; in_flight: number; failed: number; expired: number; oldest: number | null }>>`
      SELECT
        (SELECT count(*) FROM deliveries WHERE status = 'pending')::int AS pending,
        (SELECT count(*) FROM deliveries WHERE status = 'in_flight')::int AS in_flight,
        (SELECT count(*) FROM deliveries WHERE finished_at >= ${since} AND status = 'failed')::int AS failed,
        (SELECT count(*) FROM deliveries WHERE finished_at >= ${since} AND status = 'expired')::int AS expired,
        (SELECT created_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1) AS oldest`;
    return { pending: row!.pending, inFlight: row!.in_flight, failedSince: row!.failed, expiredSince: row!.expired, oldestPendingCreatedAt: row!.oldest ?? undefined };
  };

  return { browseDeliveries, overviewCounts };
}
