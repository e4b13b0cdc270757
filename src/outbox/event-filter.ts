// The events table as both backends read it: its row, the record an operator sees, and what an
// events listing's filters mean as conditions (each backend writes them in its own placeholder
// style). Time filters become ranges of the
// primary key, since event ids begin with their arrival time (core/ids.ts), plus an exact
// received_at check; name and source walk their own indexes.

import { firstEventIdAt } from "../core/ids.ts";
import type { EventQuery, EventRecord } from "./types.ts";

/** An events row as both backends select it (EVENT_COLUMNS). */
export interface EventRow {
  id: string;
  name: string;
  timestamp: string;
  received_at: number;
  idempotency_key: string | null;
  source: string | null;
  data: string;
}

export const EVENT_COLUMNS = "id, name, timestamp, received_at, idempotency_key, source, data";

export const toEventRecord = (row: EventRow, deliveryIds: string[]): EventRecord => ({
  id: row.id,
  event: row.name,
  timestamp: row.timestamp,
  receivedAt: row.received_at,
  idempotencyKey: row.idempotency_key ?? undefined,
  source: row.source ?? undefined,
  data: JSON.parse(row.data) as Record<string, unknown>,
  deliveryIds,
});

/**
 * An id is made just after its event's arrival time is read, in the same or a later
 * millisecond: "before until" may hold ids up to this much later than `until`, and the exact
 * received_at check drops the rest.
 */
const ID_CLOCK_SLACK_MS = 1_000;

/** One condition: a column, its comparison, and the value bound for the `?`. */
export interface EventCondition {
  clause: "name = ?" | "source = ?" | "id >= ?" | "id < ?" | "received_at >= ?" | "received_at < ?";
  value: string | number;
}

/** The conditions for the filters given, and only those: a guard per absent filter would keep the planner off the indexes. */
export function eventConditions(query: EventQuery): EventCondition[] {
  const conditions: EventCondition[] = [];
  if (query.name !== undefined) conditions.push({ clause: "name = ?", value: query.name });
  if (query.source !== undefined) conditions.push({ clause: "source = ?", value: query.source });
  if (query.since !== undefined) {
    conditions.push({ clause: "id >= ?", value: firstEventIdAt(query.since) });
    conditions.push({ clause: "received_at >= ?", value: query.since });
  }
  if (query.until !== undefined) {
    conditions.push({ clause: "id < ?", value: firstEventIdAt(query.until + ID_CLOCK_SLACK_MS) });
    conditions.push({ clause: "received_at < ?", value: query.until });
  }
  if (query.before !== undefined) conditions.push({ clause: "id < ?", value: query.before });
  return conditions;
}
