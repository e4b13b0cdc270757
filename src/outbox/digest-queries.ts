// The two queries digests need beyond an ordinary claim: how far behind a lane is, and giving
// back claimed rows a digest had no room for without moving them to the back of the queue.

import { QUICK_BUSY_TIMEOUT_MS, withBusyTimeout, withoutOwnFsync, type SqliteHandle } from "./sqlite.ts";

export function createDigestQueries(handle: SqliteHandle) {
  const { client } = handle;
  // Counts through the claim index and stops at `limit`: a lane 100,000 rows behind costs as
  // little to ask as one a few rows behind.
  const countDueStatement = client.prepare(
    `SELECT count(*) AS n FROM (SELECT 1 FROM deliveries INDEXED BY deliveries_pending_by_destination
       WHERE status = 'pending' AND destination = ?1 AND next_attempt_at <= ?2 LIMIT ?3)`,
  );
  // next_attempt_at is left alone (release() sets it to now, which would reorder the lane).
  const unclaimStatement = client.prepare(
    "UPDATE deliveries SET status = 'pending', lease_until = NULL, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'in_flight'",
  );
  return {
    countDue: async (destination: string, now: number, limit: number) => (countDueStatement.get(destination, now, limit) as { n: number }).n,
    unclaim: async (ids: string[], now: number) => {
      if (ids.length === 0) return;
      withBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS, () => withoutOwnFsync(handle, () => unclaimStatement.run(JSON.stringify(ids), now)));
    },
  };
}
