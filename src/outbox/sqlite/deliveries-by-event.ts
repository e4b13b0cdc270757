// The admin list's `event` filter (GET /v1/deliveries?event=): deliveries of events with one
// name, newest first. Walking the deliveries newest first and joining each to its event reads
// the whole table when the name matches little or nothing (about 3 s on 1,000,000 rows, on the
// daemon's thread). So when the name is rare, the search starts from the events instead:
// events_name (migration 11) finds them, deliveries_event their deliveries, and only those are
// sorted. A common name walks the deliveries newest first, which then meets matches early.

import type { SqliteValue } from "../../runtime/sqlite.ts";
import type { BrowseQuery, DeliveryRecord } from "../types.ts";
import { DELIVERY_COLUMNS, deliveryConditions, toDeliveryRecord, type DeliveryRow } from "../delivery-rows.ts";
import type { SqliteHandle } from "./handle.ts";

/** Up to this many events of a name, their deliveries are found through the events (a sort of a few thousand rows at most). */
export const RARE_NAME_EVENTS = 10_000;

/** The admin list's filters, and the dashboard's creation time range (`from`). */
export type ByEventQuery = Omit<BrowseQuery, "source"> & { event: string };

/** The statement for a query with an event name; `rare` says whether to start from the events. */
export function deliveriesByEventSql(query: ByEventQuery, rare: boolean): { sql: string; params: SqliteValue[] } {
  const conditions = [{ clause: "e.name = ?", value: query.event }, ...deliveryConditions(query)];
  // CROSS JOIN fixes SQLite's join order, the left table outside. Left to itself the planner
  // starts from events_name for any name, which for a common one joins and sorts every match
  // (2.4 s for 1,000,000 "completed"); a rare name must start there. INDEXED BY: with a status
  // filter it would otherwise range over deliveries_status once per event.
  const from = rare ? "events e CROSS JOIN deliveries d INDEXED BY deliveries_event ON d.event_id = e.id" : "deliveries d CROSS JOIN events e ON e.id = d.event_id";
  const where = conditions.map((c) => c.clause).join(" AND ");
  const params: SqliteValue[] = [...conditions.map((c) => c.value), query.limit];
  return { sql: `SELECT ${DELIVERY_COLUMNS} FROM ${from} WHERE ${where} ORDER BY d.id DESC LIMIT ?`, params };
}

export function createDeliveriesByEvent(handle: Pick<SqliteHandle, "client">) {
  const { client } = handle;
  // A covering read of events_name that stops after RARE_NAME_EVENTS + 1 entries.
  const countNamed = client.prepare(`SELECT count(*) AS n FROM (SELECT 1 FROM events WHERE name = ? LIMIT ${RARE_NAME_EVENTS + 1})`);
  /** How to find a name's deliveries: there are none, through its events, or by the walk. */
  const plan = (name: string): "none" | "rare" | "common" => {
    const { n } = countNamed.get(name) as { n: number };
    return n === 0 ? "none" : n <= RARE_NAME_EVENTS ? "rare" : "common";
  };
  const list = (query: ByEventQuery, chosen = plan(query.event)): DeliveryRecord[] => {
    if (chosen === "none") return [];
    const { sql, params } = deliveriesByEventSql(query, chosen === "rare");
    // query(): cached by SQL text; the optional filters make a handful of texts.
    return (client.query(sql).all(...params) as DeliveryRow[]).map(toDeliveryRecord);
  };
  return { plan, list };
}
