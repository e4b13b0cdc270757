// The dashboard's delivery list: the admin list's filters plus an inbound source and a creation
// time range. Delivery ids are time-ordered ULIDs, so the time range is a range of the primary
// key (firstDeliveryIdAt) and needs no index of its own; every filter reads an existing index.

import { createDeliveriesByEvent } from "./deliveries-by-event.ts";
import { DELIVERY_COLUMNS, deliveryConditions, eventOfDeliveryConditions, toDeliveryRecord, type DeliveryCondition, type DeliveryRow } from "../delivery-rows.ts";
import type { SqliteValue } from "../../runtime/sqlite.ts";
import type { SqliteHandle } from "./handle.ts";
import { whereClause } from "../where.ts";
import type { BrowseQuery, BrowseResult } from "../types.ts";

/**
 * Deliveries a source filter, or a name too common to start from its events
 * (deliveries-by-event.ts), examines at most per page: walking the deliveries newest first to
 * find few or no matches would read the whole outbox on the daemon's thread (3 to 5 s with
 * 1,000,000 rows, measured). The page says where the search stopped; "Older" goes on.
 */
export const SCAN_LIMIT = 20_000;

const clauses = (conditions: DeliveryCondition[]) => conditions.map((c) => c.clause);
const values = (conditions: DeliveryCondition[]) => conditions.map((c) => c.value);

/**
 * The page's statement. With a filter on the event (its name or source) it is `bounded`: the
 * deliveries' own filters read an index, and the event's are applied to at most SCAN_LIMIT of
 * them. CROSS JOIN keeps those deliveries the outer loop: left to itself the planner starts from
 * events_name or events_source, which for a common name reads every match and sorts them
 * (about 0.5 s for 1,000,000 "completed", against 0.2 ms).
 */
export function browsePageSql(query: BrowseQuery): { sql: string; params: SqliteValue[]; bounded: boolean } {
  const own = deliveryConditions(query);
  const joined = eventOfDeliveryConditions(query);
  const bounded = joined.length > 0;
  const from = bounded
    ? `(SELECT * FROM deliveries d ${whereClause(clauses(own))} ORDER BY d.id DESC LIMIT ${SCAN_LIMIT}) d CROSS JOIN events e ON e.id = d.event_id`
    : "deliveries d JOIN events e ON e.id = d.event_id";
  const conditions = bounded ? joined : own;
  return {
    sql: `SELECT ${DELIVERY_COLUMNS} FROM ${from} ${whereClause(clauses(conditions))} ORDER BY d.id DESC LIMIT ?`,
    params: [...values(bounded ? [...own, ...joined] : own), query.limit],
    bounded,
  };
}

export function createDeliveryBrowser(handle: Pick<SqliteHandle, "client">) {
  const { client } = handle;
  const byEvent = createDeliveriesByEvent(handle);
  return {
    async browseDeliveries(query: BrowseQuery): Promise<BrowseResult> {
      // A rare name is found exactly through its events; no search to bound.
      if (query.event && !query.source) {
        const plan = byEvent.plan(query.event);
        if (plan === "none") return { deliveries: [] };
        if (plan === "rare") return { deliveries: byEvent.list({ ...query, event: query.event }, plan) };
      }
      const { sql, params, bounded } = browsePageSql(query);
      // query(): cached by SQL text, and the filters make at most a few dozen distinct texts.
      const rows = client.query(sql).all(...params) as DeliveryRow[];
      const deliveries = rows.map(toDeliveryRecord);
      if (!bounded || rows.length === query.limit) return { deliveries };
      const own = deliveryConditions(query);
      const last = client.query(`SELECT d.id FROM deliveries d ${whereClause(clauses(own))} ORDER BY d.id DESC LIMIT 1 OFFSET ${SCAN_LIMIT - 1}`).get(...values(own)) as { id: string } | null;
      return last ? { deliveries, stoppedAt: { id: last.id, examined: SCAN_LIMIT } } : { deliveries };
    },
  };
}
