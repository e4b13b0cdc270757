// Operator queries over stored events: list them newest first by filter, and replay one (new
// pending deliveries of the same event row, so a source event keeps its original body).
// Time filters are ranges of the primary key (event ids begin with their arrival time), name
// and source filters walk their indexes (migration 11): a page reads about as many rows as it
// shows, however large the outbox.

import { createIdGenerator } from "../../core/ids.ts";
import { EVENT_COLUMNS, eventConditions, toEventRecord, type EventRow } from "../event-filter.ts";
import type { SqliteValue } from "../../runtime/sqlite.ts";
import type { SqliteHandle } from "./handle.ts";
import { whereClause } from "../where.ts";
import type { EventQuery, EventRecord, ReplayTarget } from "../types.ts";

/** The listing's statement: exported so a test can check its query plan uses the indexes. */
export function eventListSql(query: EventQuery): { sql: string; params: SqliteValue[] } {
  const conditions = eventConditions(query);
  const params: SqliteValue[] = conditions.map((condition) => condition.value);
  const sql = `SELECT ${EVENT_COLUMNS} FROM events
    ${whereClause(conditions.map((condition) => condition.clause))} ORDER BY id DESC LIMIT ?`;
  return { sql, params: [...params, query.limit] };
}

export function createEventsQuery(handle: SqliteHandle) {
  const { client } = handle;

  const listEvents = async (query: EventQuery): Promise<EventRecord[]> => {
    const { sql, params } = eventListSql(query);
    const rows = client.query(sql).all(...params) as EventRow[];
    const deliveryIds = deliveriesOf(rows.map((row) => row.id));
    return rows.map((row) => toEventRecord(row, deliveryIds.get(row.id) ?? []));
  };

  /** Each event's delivery ids in one query over deliveries_event. */
  const deliveriesOf = (eventIds: string[]): Map<string, string[]> => {
    const byEvent = new Map<string, string[]>();
    if (eventIds.length === 0) return byEvent;
    const rows = client.query(`SELECT event_id, id FROM deliveries WHERE event_id IN (${eventIds.map(() => "?").join(", ")}) ORDER BY id`).all(...eventIds) as Array<{ event_id: string; id: string }>;
    for (const row of rows) {
      const list = byEvent.get(row.event_id);
      if (list) list.push(row.id);
      else byEvent.set(row.event_id, [row.id]);
    }
    return byEvent;
  };

  // Replayed deliveries get ids of their replay time, so they list as the newest deliveries.
  let replayNow = 0;
  const ids = createIdGenerator({ now: () => replayNow });
  const eventExists = client.prepare("SELECT 1 AS found FROM events WHERE id = ?");
  const insert = client.prepare(
    `INSERT INTO deliveries (id, event_id, destination, target, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at)
     VALUES (?1, ?2, ?3, NULL, 'pending', 0, 0, ?4, ?5, ?4, ?4)`,
  );
  const replay = client.transaction((eventId: string, targets: ReplayTarget[], now: number) => {
    if (!eventExists.get(eventId)) return undefined;
    replayNow = now;
    const deliveries = targets.map(({ destination, expiresAt }) => {
      const id = ids.delivery();
      insert.run(id, eventId, destination, now, expiresAt);
      return { id, destination };
    });
    return { deliveries };
  });

  return {
    listEvents,
    replayEvent: async (id: string, targets: ReplayTarget[], now: number) => replay.immediate(id, targets, now),
  };
}
