// Deliveries written straight into a database file, as a daemon would have left them, for CLI
// tests that need rows without running a daemon and a receiver.
import { createIdGenerator } from "../../src/core/ids.ts";
import { createEnqueue } from "../../src/outbox/sqlite/enqueue.ts";
import { openSqlite } from "../../src/outbox/sqlite/handle.ts";
import { manualClock } from "./clock.ts";

export interface SeedOptions {
  destination?: string;
  /** The row's status; "failed" rows get one failed attempt and a finish time. */
  status?: "pending" | "in_flight" | "failed" | "succeeded";
}

/** Stores one "completed" event with one delivery per entry of `seeds`; returns the delivery ids in order. */
export function seedDeliveries(dbPath: string, seeds: SeedOptions[]): string[] {
  const clock = manualClock(Date.now());
  const ids = createIdGenerator(clock);
  // The SQLite backend's own synchronous insert, so seeding needs no await.
  const handle = openSqlite(dbPath, { synchronous: "full" });
  const enqueue = createEnqueue(handle);
  try {
    return seeds.map(({ destination = "recv", status = "pending" }) => {
      const [stored] = enqueue([
        { id: ids.event(), name: "completed", timestamp: new Date(clock.now()).toISOString(), data: "{}", receivedAt: clock.now(), deliveries: [{ id: ids.delivery(), destination, expiresAt: clock.now() + 86_400_000 }] },
      ]);
      const id = stored!.deliveries[0]!.id;
      if (status === "failed" || status === "succeeded") handle.client.run("UPDATE deliveries SET status = ?, finished_at = ?, attempts = 1, failed_attempts = 1 WHERE id = ?", [status, clock.now(), id]);
      if (status === "in_flight") handle.client.run("UPDATE deliveries SET status = 'in_flight', lease_until = ? WHERE id = ?", [clock.now() + 60_000, id]);
      clock.advance(1);
      return id;
    });
  } finally {
    handle.close();
  }
}
