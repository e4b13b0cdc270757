// Another process holds the SQLite write lock while a delivery settles: the daemon's one thread
// must not wait the 5 s busy timeout anywhere, and the settle must be kept, not lost or resent.
import { openSqliteClient, type SqliteClient } from "../../src/runtime/sqlite.ts";
import { describe, expect, test } from "bun:test";
import { relayConfig } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver } from "../helpers/receiver.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("locked-database", "an SQLite write lock held by another connection (postgres-faults.test.ts covers PostgreSQL's faults)");

const config = (db: string, url: string) => relayConfig(db, url, `[delivery]\nconcurrency = 1`);

/** Waits (by turns of the event loop, not a wall-clock guess) until the log has `event`. */
async function logged(logs: Array<Record<string, unknown>>, event: string): Promise<void> {
  for (let i = 0; i < 400 && !logs.some((line) => line.msg === event); i++) await new Promise((r) => setTimeout(r, 5));
  expect(logs.map((line) => line.msg)).toContain(event);
}

describe.skipIf(SQLITE_ONLY)("a write lock held by another connection while a delivery settles", () => {
  test("health, reads and admin writes answer within a second; the settle is kept and stored once the lock goes, nothing sent twice", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const receiver = startReceiver(async () => (await gate, new Response("ok")));
    try {
      const h = createHarness((db) => config(db, receiver.url));
      const publish = async () => ((await (await h.post("/v1/events", { event: "completed", data: {} })).json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
      const sent = await publish();
      await h.scheduler.tick();
      await receiver.waitFor(1);
      const waiting = await publish(); // concurrency 1: it stays pending behind the one in flight

      const holder = openSqliteClient(h.dbPath, { create: false });
      holder.exec("BEGIN IMMEDIATE");
      const started = performance.now();
      open(); // the receiver answers 200; the settle meets the lock
      await logged(h.logs, "delivery.settle_held");

      const timed = async (path: string, init?: RequestInit) => {
        const at = performance.now();
        const response = await h.ingress.request(path, init);
        return { ms: performance.now() - at, status: response.status, body: (await response.json()) as Record<string, unknown> };
      };
      const post = (path: string, body?: unknown) => timed(path, { method: "POST", headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const unavailable = { error: { code: "storage_unavailable", message: "the database cannot take writes right now; nothing was stored, try again" } };

      const health = await timed("/healthz");
      expect([health.status, health.ms < 1_000]).toEqual([200, true]);
      const list = await timed("/v1/deliveries?limit=1");
      expect([list.status, list.ms < 1_000]).toEqual([200, true]);
      for (const [path, body] of [["/v1/events", { event: "completed", data: {} }], [`/v1/deliveries/${waiting}/retry`], [`/v1/deliveries/${waiting}/cancel`], ["/v1/deliveries/retry", { status: "failed" }]] as const) {
        const answer = await post(path, body);
        expect({ path, status: answer.status, body: answer.body, quick: answer.ms < 1_000 }).toEqual({ path, status: 503, body: unavailable, quick: true });
      }
      // A tick gives up after one short wait; the settled delivery is still in flight, not resent.
      const tickAt = performance.now();
      await expect(h.scheduler.tick()).rejects.toMatchObject({ name: "StorageFault", kind: "busy" });
      expect(performance.now() - tickAt).toBeLessThan(1_000);
      expect(performance.now() - started).toBeLessThan(3_000);
      expect(h.deliveryRow(sent).status).toBe("in_flight");

      holder.exec("ROLLBACK");
      holder.close();
      expect((await post(`/v1/deliveries/${waiting}/cancel`)).status).toBe(200);
      // Past the lease: had the settle been dropped, lease rescue would send it again now.
      h.clock.advance(10 * 60_000);
      await h.tickAndSettle();
      expect(h.deliveryRow(sent)).toMatchObject({ status: "succeeded", attempts: 1, last_status_code: 200 });
      expect(h.deliveryRow(waiting).status).toBe("cancelled");
      expect(h.handle.client.query("SELECT delivery_id, n, status_code FROM attempts").all()).toEqual([{ delivery_id: sent, n: 1, status_code: 200 }]);
      expect(receiver.requests).toHaveLength(1);
      expect(h.logs.filter((line) => line.msg === "delivery.error")).toEqual([]);
    } finally {
      receiver.stop();
    }
  });

  test("a settle still kept when the daemon stops is logged as not recorded, and the row is left for lease rescue", async () => {
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const receiver = startReceiver(async () => (await gate, new Response("ok")));
    try {
      const h = createHarness((db) => config(db, receiver.url));
      const response = await h.post("/v1/events", { event: "completed", data: {} });
      const id = ((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
      await h.scheduler.tick();
      await receiver.waitFor(1);
      const holder = openSqliteClient(h.dbPath, { create: false });
      holder.exec("BEGIN IMMEDIATE");
      open();
      await logged(h.logs, "delivery.settle_held");
      await h.scheduler.drain(0);
      holder.exec("ROLLBACK");
      holder.close();
      const lost = h.logs.filter((line) => line.msg === "delivery.error");
      expect(lost).toEqual([expect.objectContaining({ delivery: id, error: expect.stringContaining("its attempt could not be recorded (database is locked); it stays in flight and is sent again after a restart") })]);
      expect(h.deliveryRow(id).status).toBe("in_flight");
    } finally {
      receiver.stop();
    }
  });
});
