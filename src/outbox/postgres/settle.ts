// Recording attempts and each delivery's next state: one statement for the whole batch, so the
// attempt log and the delivery rows never disagree. Fenced by the lease token the claim gave:
// a holder whose lease ran out and passed to another claim writes nothing, neither the state
// nor an attempt row (design/postgres.md §3.5: guarded by status alone, a stale outcome
// overwrote the newer attempt's).

import type { PgContext } from "./client.ts";
import type { Settlement } from "../types.ts";

export function createSettle({ sql }: PgContext) {
  const settleMany = async (items: Settlement[]): Promise<void> => {
    if (items.length === 0) return;
    const col = <T>(pick: (item: Settlement) => T) => items.map(pick);
    // Every failed attempt counts against max_attempts; a platform asking us to wait (429) does not.
    const spends = col(({ record }) => (record.outcome === "retryable" || record.outcome === "permanent" ? 1 : 0));
    await sql`
      WITH s AS (
        SELECT * FROM unnest(
          ${col((i) => i.record.deliveryId)}::text[], ${col((i) => i.lease)}::bigint[], ${col((i) => i.record.n)}::int[],
          ${col((i) => i.record.at)}::bigint[], ${col((i) => Math.round(i.record.durationMs))}::int[], ${col((i) => i.record.statusCode ?? null)}::int[],
          ${col((i) => i.record.error ?? null)}::text[], ${col((i) => i.record.response ?? null)}::text[], ${col((i) => i.record.outcome)}::text[],
          ${spends}::int[], ${col((i) => i.next.status)}::text[], ${col((i) => (i.next.status === "pending" ? i.next.at : null))}::bigint[],
          ${col((i) => (i.next.status === "failed" ? i.next.reason : (i.record.error ?? null)))}::text[], ${col((i) => i.now)}::bigint[],
          ${col((i) => i.record.digestId ?? null)}::text[]
        ) AS t (id, lease, n, at, duration_ms, status_code, error, response, outcome, spends, next_status, next_at, last_error, now, digest_id)
      ),
      moved AS (
        UPDATE deliveries d SET status = s.next_status, attempts = d.attempts + 1, failed_attempts = d.failed_attempts + s.spends,
          lease_until = NULL, lease_token = NULL, lease_owner = NULL, updated_at = s.now, last_error = s.last_error,
          last_status_code = s.status_code, next_attempt_at = COALESCE(s.next_at, d.next_attempt_at),
          finished_at = CASE WHEN s.next_status = 'pending' THEN NULL ELSE s.now END
        FROM s WHERE d.id = s.id AND d.status = 'in_flight' AND d.lease_token = s.lease
        RETURNING d.id
      )
      INSERT INTO attempts (delivery_id, n, at, duration_ms, status_code, error, response, outcome, digest_id)
      SELECT s.id, s.n, s.at, s.duration_ms, s.status_code, s.error, s.response, s.outcome, s.digest_id FROM s JOIN moved m ON m.id = s.id`;
  };
  return { settleMany };
}
