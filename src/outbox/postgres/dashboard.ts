// The dashboard's reads on PostgreSQL, with the SQLite backend's semantics
// (src/outbox/sqlite/browse-deliveries.ts, overview-counts.ts): the delivery list with the
// admin filters plus a source and a creation range (delivery ids are time-ordered, so a range
// of the primary key), and the overview's counts, each read through an index.

import { DELIVERY_COLUMNS, deliveryConditions, eventOfDeliveryConditions, toDeliveryRecord, type DeliveryRow } from "../delivery-rows.ts";
import { whereClause } from "../where.ts";
import type { PgContext } from "./client.ts";
import { numbered, type Param } from "./placeholders.ts";
import type { BrowseQuery, BrowseResult, OverviewCounts } from "../types.ts";

/**
 * Deliveries a source filter examines at most per page, as on SQLite (SCAN_LIMIT there). An
 * event name alone needs no bound: as in the admin list (operator.ts), the planner starts from
 * events_name for a rare name and walks the deliveries for a common one, which SQLite's
 * deliveries-by-event.ts chooses by hand; either way a rare name's deliveries are found at once.
 */
const SCAN_LIMIT = 20_000;

export function createDashboardQueries({ sql }: PgContext) {
  const browseDeliveries = async (query: BrowseQuery): Promise<BrowseResult> => {
    const own = deliveryConditions(query);
    const joined = eventOfDeliveryConditions(query);
    const bounded = query.source !== undefined;
    const params: Param[] = [];
    // The deliveries' own filters read an index; a source's are applied to at most SCAN_LIMIT of them.
    const scanned = bounded ? `(SELECT * FROM deliveries d ${whereClause(numbered(own, params))} ORDER BY d.id DESC LIMIT ${SCAN_LIMIT})` : "deliveries";
    const where = whereClause(numbered(bounded ? joined : [...own, ...joined], params));
    params.push(query.limit);
    const text = `SELECT ${DELIVERY_COLUMNS} FROM ${scanned} d JOIN events e ON e.id = d.event_id ${where} ORDER BY d.id DESC LIMIT $${params.length}::int`;
    const rows = (await sql.unsafe(text, params, { prepare: true })) as unknown as DeliveryRow[];
    const deliveries = rows.map(toDeliveryRecord);
    if (!bounded || rows.length === query.limit) return { deliveries };
    const ownParams: Param[] = [];
    const [last] = (await sql.unsafe(`SELECT d.id FROM deliveries d ${whereClause(numbered(own, ownParams))} ORDER BY d.id DESC LIMIT 1 OFFSET ${SCAN_LIMIT - 1}`, ownParams, { prepare: true })) as unknown as Array<{ id: string }>;
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
