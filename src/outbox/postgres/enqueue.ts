// Writing events and their deliveries: one multi-row statement per group commit. A writable
// CTE inserts the events and, for those it stored, their deliveries, so the whole group is one
// round trip and one implicit transaction. Idempotency keys are inserted in sorted order with
// ON CONFLICT DO NOTHING: two nodes taking the same keys in different orders deadlocked in the
// study (design/postgres.md §3.4), sorted they never do. The losers' first answers are read
// afterwards; the deliveries keep request order, so their seq is the order of arrival.

import type { PgContext } from "./client.ts";
import type { EnqueueResult, NewEvent } from "../types.ts";

/** An EnqueueResult whose handed-off deliveries carry the lease token the backend gave them. */
export type PgEnqueueResult = EnqueueResult & { deliveries: Array<{ id: string; destination: string; lease?: string }> };

export function createEnqueue({ sql, nodeId }: PgContext) {
  const insertGroup = (events: NewEvent[]) => {
    const deliveries = events.flatMap((event) => event.deliveries.map((d) => ({ ...d, eventId: event.id, createdAt: event.receivedAt })));
    return sql<Array<{ kind: "event" | "delivery"; id: string; lease: string | null }>>`
      WITH input AS (
        SELECT * FROM unnest(
          ${events.map((e) => e.id)}::text[], ${events.map((e) => e.name)}::text[], ${events.map((e) => e.idempotencyKey ?? null)}::text[],
          ${events.map((e) => e.timestamp)}::text[], ${events.map((e) => e.data)}::text[], ${events.map((e) => e.receivedAt)}::bigint[],
          ${events.map((e) => e.source ?? null)}::text[], ${events.map((e) => e.rawBody ?? null)}::text[]
        ) WITH ORDINALITY AS t (id, name, idempotency_key, timestamp, data, received_at, source, raw_body, ord)
      ),
      stored AS (
        INSERT INTO events (id, name, idempotency_key, timestamp, data, received_at, source, raw_body)
        SELECT id, name, idempotency_key, timestamp, data, received_at, source, raw_body FROM input
        ORDER BY idempotency_key COLLATE "C", ord
        ON CONFLICT (idempotency_key) DO NOTHING
        RETURNING id
      ),
      wanted AS (
        SELECT * FROM unnest(
          ${deliveries.map((d) => d.id)}::text[], ${deliveries.map((d) => d.eventId)}::text[], ${deliveries.map((d) => d.destination)}::text[],
          ${deliveries.map((d) => (d.target ? JSON.stringify(d.target) : null))}::text[], ${deliveries.map((d) => d.expiresAt)}::bigint[],
          ${deliveries.map((d) => d.createdAt)}::bigint[], ${deliveries.map((d) => d.leaseUntil ?? null)}::bigint[]
        ) WITH ORDINALITY AS t (id, event_id, destination, target, expires_at, created_at, lease_until, ord)
      ),
      placed AS (
        -- Handed-off rows are stored in flight under a lease of their own, never pending.
        INSERT INTO deliveries (id, event_id, destination, target, status, lease_until, lease_token, lease_owner,
                                next_attempt_at, expires_at, created_at, updated_at)
        SELECT w.id, w.event_id, w.destination, w.target,
               CASE WHEN w.lease_until IS NULL THEN 'pending' ELSE 'in_flight' END, w.lease_until,
               CASE WHEN w.lease_until IS NULL THEN NULL ELSE nextval('lease_tokens') END,
               CASE WHEN w.lease_until IS NULL THEN NULL ELSE ${nodeId}::text END,
               w.created_at, w.expires_at, w.created_at, w.created_at
        FROM wanted w JOIN stored s ON s.id = w.event_id
        ORDER BY w.ord
        RETURNING id, lease_token
      )
      SELECT 'event' AS kind, id, NULL::text AS lease FROM stored
      UNION ALL
      SELECT 'delivery', id, lease_token::text FROM placed`;
  };

  // The first answers for keys another event already holds (this group's own, or another's).
  const firstAnswers = (keys: string[]) =>
    sql<Array<{ key: string; event_id: string; id: string | null; destination: string | null }>>`
      SELECT e.idempotency_key AS key, e.id AS event_id, d.id, d.destination
      FROM events e LEFT JOIN deliveries d ON d.event_id = e.id
      WHERE e.idempotency_key = ANY(${keys}::text[])
      ORDER BY d.id`;

  return async (events: NewEvent[]): Promise<PgEnqueueResult[]> => {
    if (events.length === 0) return [];
    const rows = await insertGroup(events);
    const storedEvents = new Set<string>();
    const leases = new Map<string, string>();
    for (const row of rows) {
      if (row.kind === "event") storedEvents.add(row.id);
      else if (row.lease !== null) leases.set(row.id, row.lease);
    }
    const losers = events.filter((e) => !storedEvents.has(e.id)).map((e) => e.idempotencyKey!);
    const answers = new Map<string, PgEnqueueResult>();
    if (losers.length > 0) {
      for (const row of await firstAnswers([...new Set(losers)])) {
        let answer = answers.get(row.key);
        if (!answer) answers.set(row.key, (answer = { eventId: row.event_id, deliveries: [], duplicate: true }));
        if (row.id !== null) answer.deliveries.push({ id: row.id, destination: row.destination! });
      }
    }
    return events.map((event) => {
      if (!storedEvents.has(event.id)) {
        const answer = answers.get(event.idempotencyKey!);
        // The holder was pruned between the two statements: so rare that a retry by the producer is the answer.
        if (!answer) throw new Error(`the event holding idempotency key ${JSON.stringify(event.idempotencyKey)} vanished while it was read`);
        return { ...answer, deliveries: answer.deliveries.map((d) => ({ ...d })) };
      }
      return {
        eventId: event.id,
        deliveries: event.deliveries.map(({ id, destination }) => (leases.has(id) ? { id, destination, lease: leases.get(id)! } : { id, destination })),
        duplicate: false,
      };
    });
  };
}
