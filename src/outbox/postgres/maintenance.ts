// Housekeeping: expiry, orphaned destinations, pruning, the gauges and the readiness probe.
// The same rules and messages as the SQLite backend (src/outbox/claim.ts, maintenance.ts).

import { firstEventIdAt } from "../../core/ids.ts";
import type { PgContext } from "./client.ts";
import type { ExpiredDelivery, OutboxStats, PruneCutoffs } from "../types.ts";

const EXPIRED_MESSAGE = "expired: not delivered within max_age of the event's arrival";
/** The probe row's size: a write that needs real space, so a full disk shows at /readyz. */
const PROBE_BYTES = 65_536;
/** Up to this many open deliveries, stats() counts them exactly; above, it estimates. */
export const EXACT_OPEN_UP_TO = 10_000;
/** Rows one prune statement deletes at most. Exported so a test can prune more than one. */
export const PRUNE_CHUNK = 5_000;
/** A prune stops starting statements after this long; PRUNE_DEADLINE_MS (deadline.ts) is above it. */
const PRUNE_BUDGET_MS = 20_000;

/**
 * The gauges' statement. An exact count visits every open row (340 ms on 1,000,000 pending
 * rows, at each /metrics scrape), so counting stops after EXACT_OPEN_UP_TO; it walks
 * deliveries_open_by_destination in that index's order, so the planner takes the index even
 * when most rows are finished. Ids are time-ordered, so the oldest pending row is one seek of
 * deliveries_status. Exported so a test can check how much it reads.
 */
export const STATS_SQL = `
  SELECT (SELECT count(*) FROM (SELECT 1 FROM deliveries WHERE finished_at IS NULL ORDER BY destination, seq LIMIT ${EXACT_OPEN_UP_TO + 1}) o)::int AS open,
         (SELECT created_at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1) AS oldest`;

export function createMaintenance({ sql, nodeId }: PgContext) {
  // Whatever has passed its expiry goes, keeping its last attempt's error as the cause; only a
  // delivery never tried gets the plain message. Two nodes expiring at once: the second finds
  // the row no longer pending once the first commits, and leaves it.
  const expireDue = (now: number) => sql<ExpiredDelivery[]>`
    UPDATE deliveries d SET status = 'expired', finished_at = ${now}, updated_at = ${now},
      last_error = COALESCE((SELECT error FROM attempts a WHERE a.delivery_id = d.id AND a.error IS NOT NULL ORDER BY a.n DESC, a.id DESC LIMIT 1), ${EXPIRED_MESSAGE})
    WHERE status = 'pending' AND expires_at <= ${now}
    RETURNING id, destination, event_id AS "eventId", last_error AS "lastError"`.then((rows) => [...rows]);

  /**
   * Finished deliveries past their destination's retention, then events past the default with
   * no deliveries left, in statements of PRUNE_CHUNK rows: each stays far inside the server's
   * statement_timeout, however much a lowered retention leaves to delete at once. Past
   * PRUNE_BUDGET_MS it stops starting statements (the tick waits for it); the next run goes on.
   */
  const prune = async (cutoffs: PruneCutoffs) => {
    const started = performance.now();
    const chunks = async (deleteChunk: () => Promise<{ count: number }>) => {
      let removed = 0;
      for (;;) {
        const { count } = await deleteChunk();
        removed += count;
        if (count < PRUNE_CHUNK || performance.now() - started > PRUNE_BUDGET_MS) return removed;
      }
    };
    const special = Object.keys(cutoffs.byDestination);
    let deliveries = 0;
    for (const [destination, before] of Object.entries(cutoffs.byDestination)) {
      deliveries += await chunks(() => sql`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE destination = ${destination} AND finished_at < ${before} LIMIT ${PRUNE_CHUNK})`);
    }
    deliveries += await chunks(
      () => sql`DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < ${cutoffs.before} AND destination <> ALL(${special}::text[]) LIMIT ${PRUNE_CHUNK})`,
    );
    // Event ids begin with their creation time, so "received before the cutoff" is a key range.
    const events = await chunks(
      () => sql`DELETE FROM events WHERE id IN (SELECT id FROM events e WHERE id < ${firstEventIdAt(cutoffs.before)} AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) ORDER BY id LIMIT ${PRUNE_CHUNK})`,
    );
    return { deliveries, events };
  };

  const stats = async (): Promise<OutboxStats> => {
    const [row] = (await sql.unsafe(STATS_SQL, [], { prepare: true })) as unknown as Array<{ open: number; oldest: number | null }>;
    const counted = row?.open ?? 0;
    const pending = counted > EXACT_OPEN_UP_TO ? Math.max(counted, await estimateOpen()) : counted;
    return { pending, oldestPendingReceivedAt: row?.oldest ?? undefined };
  };

  /**
   * The planner's row estimate for the open rows: the table's current size times the share of
   * open rows at its last ANALYZE (autovacuum re-analyzes after about a tenth of the rows
   * change), never below the count that ran out. A millisecond, however large the outbox.
   */
  const estimateOpen = async (): Promise<number> => {
    const [row] = await sql<Array<{ "QUERY PLAN": Array<{ Plan: { "Plan Rows": number } }> }>>`
      EXPLAIN (FORMAT JSON) SELECT 1 FROM deliveries WHERE finished_at IS NULL`;
    return Math.round(row?.["QUERY PLAN"][0]?.Plan["Plan Rows"] ?? 0);
  };

  const filler = new Uint8Array(PROBE_BYTES);
  const probeWritable = async (): Promise<void> => {
    await sql`INSERT INTO probe (node_id, filler) VALUES (${nodeId}, ${filler}) ON CONFLICT (node_id) DO UPDATE SET filler = excluded.filler`;
  };

  return { expireDue, prune, stats, probeWritable };
}
