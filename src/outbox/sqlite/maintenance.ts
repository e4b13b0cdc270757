// Housekeeping queries: pruning finished rows and the figures /metrics and /readyz need. The
// owner row that keeps two daemons off one database file is ownership.ts.

import { firstEventIdAt } from "../../core/ids.ts";
import { checkpoint, QUICK_BUSY_TIMEOUT_MS, withBusyTimeout, type SqliteHandle } from "./handle.ts";
import { createStatsReader } from "./stats-reader.ts";
import type { PruneCutoffs } from "../types.ts";

export function createMaintenance(handle: SqliteHandle) {
  const { client } = handle;

  // Raw statements here because Drizzle's bun-sqlite driver does not report row counts.
  const deleteFinishedFor = client.prepare("DELETE FROM deliveries WHERE destination = ? AND finished_at < ?");
  // Event ids begin with the time they were made, so "received before the cutoff" is a range of
  // the primary key; an index on received_at cost every event insert a fourth B-tree.
  const deleteOrphanEvents = client.prepare("DELETE FROM events WHERE id < ? AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_id = events.id)");
  /**
   * Deletes finished deliveries past their destination's retention, then events past the
   * default retention that have no deliveries left (their idempotency keys go with them).
   */
  const prune = client.transaction((cutoffs: PruneCutoffs) => {
    const special = Object.keys(cutoffs.byDestination);
    let removed = 0;
    for (const [destination, before] of Object.entries(cutoffs.byDestination)) removed += deleteFinishedFor.run(destination, before).changes;
    const placeholders = special.map(() => "?").join(", ");
    removed += client
      .prepare(`DELETE FROM deliveries WHERE finished_at IS NOT NULL AND finished_at < ?${special.length ? ` AND destination NOT IN (${placeholders})` : ""}`)
      .run(cutoffs.before, ...special).changes;
    return { deliveries: removed, events: deleteOrphanEvents.run(firstEventIdAt(cutoffs.before)).changes };
  });

  const stats = createStatsReader(client);

  const probe = client.prepare("INSERT OR REPLACE INTO probe (id, filler) VALUES (1, zeroblob(65536))");
  // A probe answers /readyz: it waits for a lock at most QUICK_BUSY_TIMEOUT_MS, whatever the
  // connection's own wait, so a locked database shows as not ready at once.
  const probeWritable = (): void => void withBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS, () => probe.run());

  return {
    // The WAL is checkpointed after each prune (the scheduler's periodic housekeeping), so it
    // stays small even where background checkpoints are not running (the CLI, tests).
    prune: (cutoffs: PruneCutoffs) => {
      const pruned = prune.immediate(cutoffs);
      checkpoint(client);
      return pruned;
    },
    stats,
    probeWritable,
  };
}
