// The outbox on a real SQLite file: the state machine, claims, leases, expiry, idempotency.
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { createIdGenerator } from "../../src/core/ids.ts";
import { openOutbox } from "../../src/outbox/outbox.ts";
import { MIGRATIONS } from "../../src/outbox/migrations.ts";
import * as schema from "../../src/outbox/schema.ts";
import type { NewEvent } from "../../src/outbox/types.ts";
import { getTableColumns } from "drizzle-orm";
import { manualClock } from "../helpers/clock.ts";
import { tempDir } from "../helpers/fs.ts";

const DAY = 86_400_000;

function setup() {
  const path = join(tempDir(), "herald.db");
  const clock = manualClock();
  const { outbox, handle } = openOutbox(path, { synchronous: "full" });
  const ids = createIdGenerator(clock);
  const event = (destinations: string[], key?: string): NewEvent => ({
    id: ids.event(),
    name: "completed",
    idempotencyKey: key,
    timestamp: new Date(clock.now()).toISOString(),
    data: JSON.stringify({ task_id: "t1" }),
    receivedAt: clock.now(),
    deliveries: destinations.map((destination) => ({ id: ids.delivery(), destination, expiresAt: clock.now() + DAY })),
  });
  const admitAll = { lanes: ["a", "b", "c", "long"].map((destination) => ({ destination, limit: 100 })), inline: { limit: 100, exclude: [] as string[] }, admit: () => true };
  return { path, clock, outbox, handle, event, admitAll };
}

describe("schema", () => {
  test("a new database is migrated, and Drizzle's columns match the tables", () => {
    const { handle } = setup();
    expect((handle.client.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(MIGRATIONS.at(-1)!.version);
    for (const [table, name] of [[schema.events, "events"], [schema.deliveries, "deliveries"], [schema.attempts, "attempts"], [schema.owner, "owner"]] as const) {
      const inDb = (handle.client.query(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>).map((c) => c.name).sort();
      const inDrizzle = Object.values(getTableColumns(table)).map((c) => c.name).sort();
      expect(inDrizzle).toEqual(inDb);
    }
  });

  test("WAL, the chosen synchronous level and a busy timeout are set", () => {
    const { handle } = setup();
    expect(handle.client.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(handle.client.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(handle.client.query("PRAGMA busy_timeout").get()).toEqual({ timeout: 5000 });
  });

  test("CHECK constraints refuse impossible states", () => {
    const { handle, outbox, event } = setup();
    const [stored] = outbox.enqueue([event(["a"])]);
    const id = stored!.deliveries[0]!.id;
    expect(() => handle.client.run("UPDATE deliveries SET status = 'delivered' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
    expect(() => handle.client.run("UPDATE deliveries SET status = 'in_flight' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
    expect(() => handle.client.run("UPDATE deliveries SET status = 'succeeded' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
  });

  test("claims, expiry and the next-due query read through indexes, never sorting or scanning", () => {
    const { handle } = setup();
    const plan = (query: string, ...params: unknown[]) => (handle.client.query(`EXPLAIN QUERY PLAN ${query}`).all(...(params as never[])) as Array<{ detail: string }>).map((row) => row.detail).join(" ");
    const lane = plan("SELECT id, destination FROM deliveries INDEXED BY deliveries_pending_by_destination WHERE status = 'pending' AND destination = ?1 AND next_attempt_at <= ?2 ORDER BY next_attempt_at LIMIT ?3", "a", 0, 10);
    expect(lane).toContain("USING INDEX deliveries_pending_by_destination (destination=? AND next_attempt_at<?)");
    const inline = plan("SELECT id, destination FROM deliveries INDEXED BY deliveries_pending_inline WHERE status = 'pending' AND target IS NOT NULL AND next_attempt_at <= ? AND destination NOT IN (?) ORDER BY next_attempt_at LIMIT ?", 0, "x", 10);
    expect(inline).toContain("USING INDEX deliveries_pending_inline (next_attempt_at<?)");
    const expiry = plan("UPDATE deliveries INDEXED BY deliveries_pending_expiry SET status = 'expired' WHERE status = 'pending' AND expires_at <= ?1", 0);
    expect(expiry).toContain("USING INDEX deliveries_pending_expiry (expires_at<?)");
    for (const text of [lane, inline, expiry]) expect(text).not.toContain("TEMP B-TREE");
    const laneHead = plan("SELECT next_attempt_at AS at FROM deliveries INDEXED BY deliveries_pending_by_destination WHERE status = 'pending' AND destination = ?1 ORDER BY next_attempt_at LIMIT 1", "a");
    expect(laneHead).toContain("INDEX deliveries_pending_by_destination (destination=?)");
    expect(laneHead).not.toContain("TEMP B-TREE");
    expect(plan("UPDATE deliveries SET status = 'pending', lease_until = NULL WHERE status = 'in_flight' AND lease_until <= ?", 0)).toContain("USING INDEX deliveries_status (status=?)");
    // An ordered destination's head and the pending gauge read the open rows' partial index.
    const head = plan("SELECT id, status FROM deliveries WHERE destination = ? AND finished_at IS NULL ORDER BY id LIMIT 1", "a");
    expect(head).toContain("USING INDEX deliveries_open_by_destination (destination=?)");
    expect(head).not.toContain("TEMP B-TREE");
    expect(plan("SELECT count(*) FROM deliveries WHERE finished_at IS NULL")).toContain("deliveries_open_by_destination");
    // /metrics: the oldest pending row is one seek, not a read of every pending row.
    const oldest = plan("SELECT created_at AS at FROM deliveries WHERE status = 'pending' ORDER BY id LIMIT 1");
    expect(oldest).toContain("INDEX deliveries_status (status=?)");
    expect(oldest).not.toContain("TEMP B-TREE");
  });

  test("destination holds: the first hold is kept, clearing answers it, pending counts leave inline out", async () => {
    const { outbox, event, handle } = setup();
    outbox.enqueue([event(["a", "gone", "inline:example.com#0123abcd"])]);
    expect(await outbox.hold({ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 })).toEqual({ hold: { destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }, created: true });
    // A pause of a disabled destination keeps why it was disabled, and when.
    expect(await outbox.hold({ destination: "a", by: "operator", since: 2_000 })).toEqual({ hold: { destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }, created: false });
    expect(await outbox.listHolds()).toEqual([{ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 }]);
    expect(Object.fromEntries(await outbox.pendingByDestination())).toEqual({ a: 1, gone: 1 });
    expect(await outbox.clearHold("a")).toEqual({ destination: "a", by: "gone", reason: "HTTP 410", since: 1_000 });
    expect(await outbox.clearHold("a")).toBeUndefined();
    expect(handle.client.query("SELECT COUNT(*) AS n FROM destination_state").get()).toEqual({ n: 0 });
  });

  test("reopening a migrated database changes nothing", () => {
    const { path, outbox, event } = setup();
    outbox.enqueue([event(["a"])]);
    outbox.close();
    const again = openOutbox(path, { synchronous: "full" });
    expect(again.outbox.stats().pending).toBe(1);
    again.outbox.close();
  });

  test("closing after use leaves only the database file: the WAL is copied back and removed", () => {
    const { path, outbox, event, clock, admitAll } = setup();
    outbox.enqueue([event(["a"])]);
    const [claimed] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    outbox.settleMany([{ record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 5, statusCode: 200, response: "ok", outcome: "succeeded" }, next: { status: "succeeded" }, now: clock.now() }]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    outbox.close();
    expect(readdirSync(dirname(path))).toEqual(["herald.db"]);
    const again = openOutbox(path, { synchronous: "full" });
    expect(again.handle.client.query("SELECT status FROM deliveries").all()).toEqual([{ status: "succeeded" }]);
    again.outbox.close();
  });
});

describe("enqueue", () => {
  test("the same idempotency key returns the first answer and stores nothing new", () => {
    const { outbox, event, handle } = setup();
    const [first] = outbox.enqueue([event(["a", "b"], "task_abc:completed")]);
    const [again] = outbox.enqueue([event(["a", "b"], "task_abc:completed")]);
    expect(again).toEqual({ ...first!, duplicate: true });
    expect(handle.client.query("SELECT count(*) AS n FROM deliveries").get()).toEqual({ n: 2 });
  });

  test("duplicates inside one batch are answered like duplicates across requests", () => {
    const { outbox, event } = setup();
    const results = outbox.enqueue([event(["a"], "k"), event(["a"], "k"), event(["a"])]);
    expect(results.map((r) => r.duplicate)).toEqual([false, true, false]);
    expect(results[1]!.eventId).toBe(results[0]!.eventId);
  });

  test("a failing batch stores nothing", () => {
    const { outbox, event, handle } = setup();
    const good = event(["a"]);
    const clash = { ...event(["a"]), id: good.id };
    expect(() => outbox.enqueue([good, clash])).toThrow();
    expect(handle.client.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
  });
});

describe("claims and leases", () => {
  test("two connections claiming at once never take the same row", () => {
    const { path, outbox, event, clock } = setup();
    outbox.enqueue(Array.from({ length: 50 }, () => event(["a"])));
    const other = openOutbox(path, { synchronous: "full" }).outbox;
    const taken: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const box of [outbox, other]) {
        taken.push(...box.claimDue({ now: clock.now(), leaseUntil: clock.now() + 60_000, lanes: [{ destination: "a", limit: 3 }], inline: { limit: 0, exclude: [] }, admit: () => true }).map((d) => d.id));
      }
    }
    expect(taken).toHaveLength(50);
    expect(new Set(taken).size).toBe(50);
    other.close();
  });

  test("a claim returns the event as published and the attempt number", () => {
    const { outbox, event, clock, admitAll } = setup();
    outbox.enqueue([event(["a"])]);
    const [claimed] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    expect(claimed).toMatchObject({ destination: "a", attempt: 1, failedAttempts: 0, event: { event: "completed", data: { task_id: "t1" } } });
  });

  test("admit() decides per row, and destinations not asked for are not read", () => {
    const { outbox, event, clock } = setup();
    outbox.enqueue([event(["a", "b", "c"]), event(["a", "b", "c"])]);
    let aSlots = 1;
    const claimed = outbox.claimDue({
      now: clock.now(),
      leaseUntil: clock.now() + 1,
      lanes: [{ destination: "a", limit: 100 }, { destination: "b", limit: 100 }],
      inline: { limit: 0, exclude: [] },
      admit: (d) => d !== "a" || aSlots-- > 0,
    });
    expect(claimed.map((d) => d.destination).sort()).toEqual(["a", "b", "b"]);
  });

  test("the next wake-up is the earliest future head among lanes, even while another lane has rows due now", () => {
    const { outbox, event, clock, admitAll } = setup();
    outbox.enqueue([event(["a"]), event(["b"]), event(["b"])]);
    const claimed = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll, lanes: [{ destination: "a", limit: 1 }] });
    const retryAt = (delay: number) => ({ status: "pending" as const, at: clock.now() + delay, spendsAttempt: true });
    outbox.settleMany([{ record: { deliveryId: claimed[0]!.id, n: 1, at: clock.now(), durationMs: 3, statusCode: 500, outcome: "retryable" }, next: retryAt(5_000), now: clock.now() }]);
    // Lane b's rows are due now (waiting for a slot); lane a's retry is the time to wake for.
    expect(outbox.nextDueAfter(["a", "b"], clock.now())).toBe(clock.now() + 5_000);
    expect(outbox.nextDueAfter(["b"], clock.now())).toBeUndefined();
    expect(outbox.nextDueAfter(["a", "b"], clock.now() + 5_000)).toBeUndefined();
  });

  test("stats: the oldest pending delivery's arrival, and how many are open", () => {
    const { outbox, event, clock, admitAll } = setup();
    const first = clock.now();
    outbox.enqueue([event(["a"])]);
    clock.advance(5_000);
    outbox.enqueue([event(["b"]), event(["c"])]);
    expect(outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first });
    const [taken] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 60_000, ...admitAll, lanes: [{ destination: "a", limit: 1 }] });
    expect(taken!.destination).toBe("a");
    // In flight still counts as open, but is no longer the oldest pending row.
    expect(outbox.stats()).toEqual({ pending: 3, oldestPendingReceivedAt: first + 5_000 });
  });

  test("a row cancelled between the claim's read and its lease is not taken", () => {
    const { path, outbox, event, clock, admitAll } = setup();
    const [stored] = outbox.enqueue([event(["a"])]);
    const other = openOutbox(path, { synchronous: "full" });
    const claimed = outbox.claimDue({
      now: clock.now(),
      leaseUntil: clock.now() + 60_000,
      ...admitAll,
      // An operator's CLI, in another process, cancels the row just after the claim read it.
      admit: () => other.operator.cancel(stored!.deliveries[0]!.id, clock.now()).kind === "cancelled",
    });
    other.outbox.close();
    expect(claimed).toEqual([]);
    expect(outbox.stats().pending).toBe(0);
  });

  test("rows scheduled in the future are not due", () => {
    const { outbox, event, clock, admitAll } = setup();
    outbox.enqueue([event(["a"])]);
    const [claimed] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    outbox.settleMany([{ record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 3, statusCode: 500, outcome: "retryable" }, next: { status: "pending", at: clock.now() + 30_000, spendsAttempt: true }, now: clock.now() }]);
    expect(outbox.claimDue({ now: clock.now() + 29_999, leaseUntil: 0, ...admitAll })).toEqual([]);
    expect(outbox.nextDueAfter(["a"], clock.now())).toBe(clock.now() + 30_000);
    const [retry] = outbox.claimDue({ now: clock.now() + 30_000, leaseUntil: clock.now() + 90_000, ...admitAll });
    expect(retry).toMatchObject({ id: claimed!.id, attempt: 2, failedAttempts: 1 });
  });

  test("leases of a dead process are rescued: all at start, expired ones later", () => {
    const { outbox, event, clock, admitAll, handle } = setup();
    outbox.enqueue([event(["a"]), event(["a"])]);
    const claimed = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 60_000, ...admitAll });
    expect(claimed).toHaveLength(2);
    expect(outbox.rescueLeases(clock.now() + 59_999, { all: false })).toBe(0);
    expect(outbox.rescueLeases(clock.now() + 60_000, { all: false })).toBe(2);
    outbox.claimDue({ now: clock.now() + 60_000, leaseUntil: clock.now() + 999_999, ...admitAll });
    expect(outbox.rescueLeases(clock.now(), { all: true })).toBe(2);
    const rows = handle.client.query("SELECT status, attempts FROM deliveries").all();
    expect(rows).toEqual([{ status: "pending", attempts: 0 }, { status: "pending", attempts: 0 }]);
  });

  test("ordered heads: only the oldest unfinished delivery, and only when it is due", () => {
    const { outbox, event, clock } = setup();
    const [first] = outbox.enqueue([event(["o"])]);
    clock.advance(1);
    outbox.enqueue([event(["o"])]);
    const head = outbox.claimHead("o", clock.now(), clock.now() + 60_000).claimed;
    expect(head!.id).toBe(first!.deliveries[0]!.id);
    expect(outbox.claimHead("o", clock.now(), clock.now() + 60_000)).toEqual({}); // the head is in flight
    outbox.settleMany([{ record: { deliveryId: head!.id, n: 1, at: clock.now(), durationMs: 1, statusCode: 503, outcome: "retryable" }, next: { status: "pending", at: clock.now() + 5_000, spendsAttempt: true }, now: clock.now() }]);
    expect(outbox.claimHead("o", clock.now() + 4_999, 0)).toEqual({ waitUntil: clock.now() + 5_000 });
    expect(outbox.claimHead("o", clock.now() + 5_000, clock.now() + 60_000).claimed!.id).toBe(head!.id);
  });
});

describe("settling, expiry and pruning", () => {
  test("an attempt and the delivery's new state are written together", () => {
    const { outbox, event, clock, admitAll, handle } = setup();
    outbox.enqueue([event(["a"])]);
    const [claimed] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    outbox.settleMany([{ record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 12, statusCode: 400, response: "bad", error: "HTTP 400: bad", outcome: "permanent" }, next: { status: "failed", reason: "HTTP 400: bad" }, now: clock.now() }]);
    expect(handle.client.query("SELECT status, attempts, failed_attempts, last_error, finished_at, lease_until FROM deliveries").get()).toEqual({
      status: "failed",
      attempts: 1,
      failed_attempts: 1,
      last_error: "HTTP 400: bad",
      finished_at: clock.now(),
      lease_until: null,
    });
    expect(handle.client.query("SELECT n, status_code, response, outcome FROM attempts").all()).toEqual([{ n: 1, status_code: 400, response: "bad", outcome: "permanent" }]);
  });

  test("pending deliveries past max_age expire without another attempt", () => {
    const { outbox, event, clock, admitAll } = setup();
    outbox.enqueue([event(["a"])]);
    const [claimed] = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    // The last retry was capped at the expiry instant by the retry policy.
    outbox.settleMany([{ record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 1, statusCode: 500, outcome: "retryable" }, next: { status: "pending", at: claimed!.expiresAt, spendsAttempt: true }, now: clock.now() }]);
    expect(outbox.expireDue(claimed!.expiresAt - 1)).toEqual([]);
    expect(outbox.expireDue(claimed!.expiresAt)).toEqual([{ id: claimed!.id, destination: "a", eventId: claimed!.eventId, lastError: "expired: not delivered within max_age of the event's arrival" }]);
    expect(outbox.claimDue({ now: claimed!.expiresAt, leaseUntil: 0, ...admitAll })).toEqual([]);
  });

  test("an event with no deliveries left goes once it is older than the retention, not before", () => {
    const { outbox, event, clock, handle } = setup();
    const old = event([]);
    outbox.enqueue([old]);
    clock.advance(2 * DAY);
    const fresh = event([]);
    outbox.enqueue([fresh]);
    expect(outbox.prune({ before: fresh.receivedAt, byDestination: {} })).toEqual({ deliveries: 0, events: 1 });
    expect(handle.client.query("SELECT id FROM events").all()).toEqual([{ id: fresh.id }]);
    expect(outbox.prune({ before: fresh.receivedAt + 1, byDestination: {} })).toEqual({ deliveries: 0, events: 1 });
  });

  test("pruning removes finished rows past retention and keeps the rest", () => {
    const { outbox, event, clock, admitAll, handle } = setup();
    outbox.enqueue([event(["a"]), event(["long"])]);
    const claimed = outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    for (const d of claimed) outbox.settleMany([{ record: { deliveryId: d.id, n: 1, at: clock.now(), durationMs: 1, statusCode: 200, outcome: "succeeded" }, next: { status: "succeeded" }, now: clock.now() }]);
    outbox.enqueue([event(["a"], "still-pending")]);
    const later = clock.now() + 8 * DAY;
    expect(outbox.prune({ before: later - 7 * DAY, byDestination: { long: later - 30 * DAY } })).toEqual({ deliveries: 1, events: 1 });
    expect(handle.client.query("SELECT destination, status FROM deliveries ORDER BY destination").all()).toEqual([
      { destination: "a", status: "pending" },
      { destination: "long", status: "succeeded" },
    ]);
  });
});

test("a database held by another writer makes writes fail fast with a storage fault", () => {
  const { path, outbox, event, handle } = setup();
  handle.client.exec("PRAGMA busy_timeout = 50");
  const locker = openSqliteClient(path);
  locker.exec("BEGIN IMMEDIATE");
  expect(() => outbox.enqueue([event(["a"])])).toThrow(/locked|busy/i);
  locker.exec("ROLLBACK");
  locker.close();
  expect(outbox.enqueue([event(["a"])])[0]!.duplicate).toBe(false);
});
