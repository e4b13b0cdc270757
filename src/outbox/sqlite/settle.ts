// Recording an attempt and the delivery's next state, in one transaction, so the attempt
// log and the delivery row can never disagree.

import { withoutOwnFsync, type SqliteHandle } from "./handle.ts";
import type { Settlement } from "../types.ts";

export function createSettle(handle: SqliteHandle) {
  const { client } = handle;
  // Raw prepared statements: this runs once per attempt.
  const insertAttempt = client.prepare(
    "INSERT INTO attempts (delivery_id, n, at, duration_ms, status_code, error, response, outcome, digest_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
  );
  // Only a delivery still in flight is settled: one cancelled meanwhile keeps its state.
  const toPending = client.prepare(
    `UPDATE deliveries SET status = 'pending', attempts = attempts + 1, failed_attempts = failed_attempts + ?2, lease_until = NULL,
       updated_at = ?3, last_error = ?4, last_status_code = ?5, next_attempt_at = ?6
     WHERE id = ?1 AND status = 'in_flight' AND lease_until = ?7`,
  );
  const toFinal = client.prepare(
    `UPDATE deliveries SET status = ?6, attempts = attempts + 1, failed_attempts = failed_attempts + ?2, lease_until = NULL,
       updated_at = ?3, last_error = ?4, last_status_code = ?5, finished_at = ?3
     WHERE id = ?1 AND status = 'in_flight' AND lease_until = ?7`,
  );

  // Fenced by the lease (claim.ts): a row a newer claim holds gets neither state nor attempt.
  const heldByAnother = client.prepare("SELECT 1 FROM deliveries WHERE id = ?1 AND status = 'in_flight' AND lease_until IS NOT ?2");

  const settleOne = ({ record, lease, next, now }: Settlement) => {
    // Every failed attempt counts against max_attempts; a platform asking us to wait (429) does not.
    const spends = record.outcome === "retryable" || record.outcome === "permanent" ? 1 : 0;
    const lastError = next.status === "failed" ? next.reason : (record.error ?? null);
    const leaseUntil = Number(lease);
    const moved =
      next.status === "pending"
        ? toPending.run(record.deliveryId, spends, now, lastError, record.statusCode ?? null, next.at, leaseUntil).changes
        : toFinal.run(record.deliveryId, spends, now, lastError, record.statusCode ?? null, next.status, leaseUntil).changes;
    if (moved === 0 && heldByAnother.get(record.deliveryId, leaseUntil)) return;
    insertAttempt.run(record.deliveryId, record.n, record.at, record.durationMs, record.statusCode ?? null, record.error ?? null, record.response ?? null, record.outcome, record.digestId ?? null);
  };
  const settleMany = client.transaction((items: Settlement[]) => {
    for (const item of items) settleOne(item);
  });
  return {
    settleMany: (items: Settlement[]) => withoutOwnFsync(handle, () => settleMany.immediate(items)),
  };
}
