// The outbox gauges' two reads, in raw SQL so that the background thread can run them on its own
// connection (without Drizzle) and the daemon's thread can run the same ones when that thread
// is not available.

import type { SqliteClient } from "../../runtime/sqlite.ts";
import type { OutboxStats } from "../types.ts";

export function createStatsReader(client: SqliteClient): () => OutboxStats {
  // Open means pending or in flight: worded as deliveries_open_by_destination's condition, so the
  // count reads that index. It still visits every open row (about 200 ms with 1,000,000 waiting).
  const openCount = client.prepare("SELECT count(*) AS n FROM deliveries WHERE finished_at IS NULL");
  // Ids are time-ordered and given at creation, so the oldest pending row is the first one in
  // deliveries_status: one seek. min(created_at) read every pending row.
  const oldestPending = client.prepare("SELECT created_at AS at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1");
  return () => {
    const open = openCount.get() as { n: number };
    const oldest = oldestPending.get() as { at: number } | null;
    return { pending: open.n, oldestPendingReceivedAt: oldest?.at ?? undefined };
  };
}
