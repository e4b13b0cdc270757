// The query digests need beyond an ordinary claim: how far behind a lane is.

import type { SqliteHandle } from "./handle.ts";

export function createDigestQueries(handle: SqliteHandle) {
  const { client } = handle;
  // Counts through the claim index and stops at `limit`: a lane 100,000 rows behind costs as
  // little to ask as one a few rows behind.
  const countDueStatement = client.prepare(
    `SELECT count(*) AS n FROM (SELECT 1 FROM deliveries INDEXED BY deliveries_pending_by_destination
       WHERE status = 'pending' AND destination = ?1 AND next_attempt_at <= ?2 LIMIT ?3)`,
  );
  return {
    countDue: (destination: string, now: number, limit: number) => (countDueStatement.get(destination, now, limit) as { n: number }).n,
  };
}
