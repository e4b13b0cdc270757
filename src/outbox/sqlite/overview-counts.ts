// The dashboard overview's counts, in raw SQL so that the background thread can run them on its
// own connection (checkpoint-worker.ts) and the daemon's thread only when that one is not
// running. Each reads an index: status counts the (status, id) one, the last day's finished
// rows the finished_at one, and the oldest pending row is one seek (ids are time-ordered).

import type { SqliteClient } from "../../runtime/sqlite.ts";
import type { OverviewCounts } from "../types.ts";

export function createOverviewCounter(client: SqliteClient): (since: number) => OverviewCounts {
  const byStatus = client.prepare("SELECT count(*) AS n FROM deliveries WHERE status = ?");
  const finishedSince = client.prepare("SELECT count(*) AS n FROM deliveries WHERE finished_at >= ? AND status = ?");
  const oldestPending = client.prepare("SELECT created_at AS at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1");
  const count = (statement: typeof byStatus, ...params: Array<string | number>) => (statement.get(...params) as { n: number }).n;
  return (since) => ({
    pending: count(byStatus, "pending"),
    inFlight: count(byStatus, "in_flight"),
    failedSince: count(finishedSince, since, "failed"),
    expiredSince: count(finishedSince, since, "expired"),
    oldestPendingCreatedAt: (oldestPending.get() as { at: number } | null)?.at ?? undefined,
  });
}

/** The same counts on the daemon's own connection: OperatorStore.overviewCounts, used when the background thread is not running. */
export function createOverviewStore(handle: { client: SqliteClient }) {
  const count = createOverviewCounter(handle.client);
  return { overviewCounts: async (since: number): Promise<OverviewCounts> => count(since) };
}
