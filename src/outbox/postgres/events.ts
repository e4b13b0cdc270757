// Operator queries over stored events on PostgreSQL, with the SQLite backend's semantics
// (src/outbox/sqlite/events-query.ts): read one, list them newest first by filter, and replay one (new pending
// deliveries of the same event row, so a source event keeps its original body). Time filters
// are ranges of the primary key (event ids begin with their arrival time); name and source
// filters walk their indexes (migration 2), so a page reads about as many rows as it shows.

import { createIdGenerator } from "../../core/ids.ts";
import { EVENT_COLUMNS, eventConditions, toEventRecord, type EventRow } from "../event-filter.ts";
import { whereClause } from "../where.ts";
import type { PgContext } from "./client.ts";
import { numbered, type Param } from "./placeholders.ts";
import type { EventQuery, EventRecord, ReplayTarget } from "../types.ts";

/**
 * The listing's statement, built for the filters given rather than with "$1 IS NULL OR ..."
 * guards, which keep the planner from choosing an index. Exported so a test can EXPLAIN it.
 */
export function eventListSql(query: EventQuery): { text: string; params: Param[] } {
  const params: Param[] = [];
  const where = numbered(eventConditions(query), params, (clause) => clause.startsWith("received_at"));
  params.push(query.limit);
  const text = `SELECT ${EVENT_COLUMNS} FROM events ${whereClause(where)}
    ORDER BY id DESC LIMIT $${params.length}::int`;
  return { text, params };
}

export function createEventsQuery({ sql }: PgContext) {
  /** Each event's delivery ids in one query over deliveries_event. */
  const deliveriesOf = async (eventIds: string[]): Promise<Map<string, string[]>> => {
    const byEvent = new Map<string, string[]>();
    if (eventIds.length === 0) return byEvent;
    const rows = await sql<Array<{ event_id: string; id: string }>>`
      SELECT event_id, id FROM deliveries WHERE event_id = ANY(${eventIds}::text[]) ORDER BY id`;
    for (const row of rows) {
      const list = byEvent.get(row.event_id);
      if (list) list.push(row.id);
      else byEvent.set(row.event_id, [row.id]);
    }
    return byEvent;
  };

  const getEvent = async (id: string): Promise<EventRecord | undefined> => {
    const [row] = (await sql.unsafe(`SELECT ${EVENT_COLUMNS} FROM events WHERE id = $1`, [id])) as unknown as EventRow[];
    if (!row) return undefined;
    return toEventRecord(row, (await deliveriesOf([id])).get(id) ?? []);
  };

  const listEvents = async (query: EventQuery): Promise<EventRecord[]> => {
    const { text, params } = eventListSql(query);
    const rows = (await sql.unsafe(text, params)) as unknown as EventRow[];
    const deliveryIds = await deliveriesOf(rows.map((row) => row.id));
    return rows.map((row) => toEventRecord(row, deliveryIds.get(row.id) ?? []));
  };

  // Replayed deliveries get ids of their replay time, so they list as the newest deliveries.
  let replayNow = 0;
  const ids = createIdGenerator({ now: () => replayNow });

  /**
   * One statement: the event's row is locked against a concurrent prune (KEY SHARE) while its
   * new deliveries are inserted, and whether it exists comes back with them, so an unknown
   * event inserts nothing.
   */
  const replayEvent = async (eventId: string, targets: ReplayTarget[], now: number) => {
    replayNow = now;
    const deliveries = targets.map(({ destination, expiresAt }) => ({ id: ids.delivery(), destination, expiresAt }));
    const [row] = await sql<Array<{ found: boolean }>>`
      WITH event AS (SELECT id FROM events WHERE id = ${eventId} FOR KEY SHARE),
      placed AS (
        INSERT INTO deliveries (id, event_id, destination, target, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at)
        SELECT t.id, event.id, t.destination, NULL, 'pending', 0, 0, ${now}, t.expires_at, ${now}, ${now}
        FROM event CROSS JOIN unnest(${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.destination)}::text[],
          ${deliveries.map((d) => d.expiresAt)}::bigint[]) WITH ORDINALITY AS t (id, destination, expires_at, ord)
        ORDER BY t.ord
      )
      SELECT EXISTS (SELECT 1 FROM event) AS found`;
    if (!row?.found) return undefined;
    return { deliveries: deliveries.map(({ id, destination }) => ({ id, destination })) };
  };

  return { getEvent, listEvents, replayEvent };
}
