// Deliveries written straight into a database, as a daemon would have left them, for CLI
// tests that need rows without running a daemon and a receiver: an SQLite file or, given a
// postgres:// URL, a PostgreSQL database (migrated first, as serve would).
import { createIdGenerator } from "../../src/core/ids.ts";
import { openStorage } from "../../src/outbox/open-storage.ts";
import { createEnqueue } from "../../src/outbox/sqlite/enqueue.ts";
import { openSqlite } from "../../src/outbox/sqlite/handle.ts";
import type { EnqueueResult, NewEvent } from "../../src/outbox/types.ts";
import { manualClock } from "./clock.ts";
import { isPostgresUrl, rowsOf } from "./rows.ts";

export interface SeedOptions {
  destination?: string;
  /** The row's status; "failed" rows get one failed attempt and a finish time. */
  status?: "pending" | "in_flight" | "failed" | "succeeded";
}

/** Stores one "completed" event with one delivery per entry of `seeds`; returns the delivery ids in order. */
export async function seedDeliveries(db: string, seeds: SeedOptions[]): Promise<string[]> {
  const clock = manualClock(Date.now());
  const ids = createIdGenerator(clock);
  const events = seeds.map(({ destination = "recv", status = "pending" }): NewEvent => {
    const now = clock.now();
    // In flight as the scheduler's claim leaves it: a lease (and on PostgreSQL its token).
    const leaseUntil = status === "in_flight" ? now + 60_000 : undefined;
    const event = { id: ids.event(), name: "completed", timestamp: new Date(now).toISOString(), data: "{}", receivedAt: now, deliveries: [{ id: ids.delivery(), destination, expiresAt: now + 86_400_000, leaseUntil }] };
    clock.advance(1);
    return event;
  });
  const stored = await store(db, events);
  const finished = seeds.flatMap(({ status }, i) => (status === "failed" || status === "succeeded" ? [{ status, id: stored[i]!.deliveries[0]!.id, at: events[i]!.receivedAt }] : []));
  for (const { status, id, at } of finished) rowsOf(db).execute(`UPDATE deliveries SET status = '${status}', finished_at = ${at}, attempts = 1, failed_attempts = 1 WHERE id = '${id}'`);
  return stored.map((answer) => answer.deliveries[0]!.id);
}

async function store(db: string, events: NewEvent[]): Promise<EnqueueResult[]> {
  if (isPostgresUrl(db)) {
    const storage = await openStorage({ url: db, synchronous: "full" }, { migrate: true });
    try {
      return await storage.outbox.enqueue(events);
    } finally {
      await storage.close();
    }
  }
  // The SQLite backend's own insert, on the file alone: no owner row, no background work.
  const handle = openSqlite(db, { synchronous: "full" });
  try {
    return createEnqueue(handle)(events);
  } finally {
    handle.close();
  }
}
