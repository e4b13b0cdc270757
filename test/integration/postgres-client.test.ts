// The PostgreSQL client connects and round-trips Herald's column types on the runtime running
// the tests: this file runs under bun test and deno test alike (the client must work on both).
import { describe, expect, test } from "bun:test";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";

const db = usePgDatabase();

describe.skipIf(skipWithoutPostgres("postgres-client"))("the PostgreSQL client", () => {
  test("connects, migrates and stores an event with a millisecond time beyond 2^32", async () => {
    const storage = await openPostgresStorage(db.url(), { migrate: true });
    try {
      expect(storage.kind).toBe("postgres");
      const at = 1_767_000_000_123;
      await storage.outbox.enqueue([{ id: "evt_01", name: "completed", timestamp: "t", data: '{"a":1}', receivedAt: at, deliveries: [] }]);
      const event = await storage.operator.getEvent("evt_01");
      expect(event).toEqual({ id: "evt_01", event: "completed", timestamp: "t", receivedAt: at, data: { a: 1 }, deliveryIds: [] });
      const [row] = await db.admin()`SELECT received_at FROM events`;
      expect(row!.received_at).toBe(at);
    } finally {
      await storage.close();
    }
  });
});
