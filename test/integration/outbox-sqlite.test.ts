// The SQLite backend's own side of the outbox, on a real file: its schema and PRAGMAs, the
// query plans its indexes serve, two connections on one file, and a lock held elsewhere. The
// backend-neutral contract is outbox.test.ts.
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { describe, expect, test } from "bun:test";
import { existsSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { createIdGenerator } from "../../src/core/ids.ts";
import { isStorageFault } from "../../src/outbox/errors.ts";
import { toStorageFault } from "../../src/outbox/sqlite/faults.ts";
import { DatabaseError, type DatabaseErrorKind } from "../../src/runtime/sqlite-errors.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { MIGRATIONS } from "../../src/outbox/sqlite/migrations.ts";
import * as schema from "../../src/outbox/sqlite/schema.ts";
import { getTableColumns } from "drizzle-orm";
import { manualClock } from "../helpers/clock.ts";
import { eventMaker } from "../helpers/outbox-contract-fixture.ts";
import { tempDir } from "../helpers/fs.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("outbox-sqlite", "the SQLite backend's schema, PRAGMAs, plans and locks (postgres-outbox.test.ts has PostgreSQL's own)");

function setup() {
  const path = join(tempDir(), "herald.db");
  const clock = manualClock();
  const { outbox, handle } = openOutbox(path, { synchronous: "full" });
  const event = eventMaker(clock, createIdGenerator(clock));
  const admitAll = { lanes: ["a", "b", "c", "long"].map((destination) => ({ destination, limit: 100 })), inline: { limit: 100, exclude: [] as string[] } };
  return { path, clock, outbox, handle, event, admitAll };
}

describe.skipIf(SQLITE_ONLY)("schema", () => {
  test("a new database is migrated, and Drizzle's columns match the tables", async () => {
    const { handle } = setup();
    expect((handle.client.query("PRAGMA user_version").get() as { user_version: number }).user_version).toBe(MIGRATIONS.at(-1)!.version);
    for (const [table, name] of [[schema.events, "events"], [schema.deliveries, "deliveries"], [schema.attempts, "attempts"], [schema.owner, "owner"]] as const) {
      const inDb = (handle.client.query(`PRAGMA table_info(${name})`).all() as Array<{ name: string }>).map((c) => c.name).sort();
      const inDrizzle = Object.values(getTableColumns(table)).map((c) => c.name).sort();
      expect(inDrizzle).toEqual(inDb);
    }
  });

  test("WAL, the chosen synchronous level and a busy timeout are set", async () => {
    const { handle } = setup();
    expect(handle.client.query("PRAGMA journal_mode").get()).toEqual({ journal_mode: "wal" });
    expect(handle.client.query("PRAGMA synchronous").get()).toEqual({ synchronous: 2 });
    expect(handle.client.query("PRAGMA busy_timeout").get()).toEqual({ timeout: 5000 });
  });

  test("CHECK constraints refuse impossible states", async () => {
    const { handle, outbox, event } = setup();
    const [stored] = await outbox.enqueue([event(["a"])]);
    const id = stored!.deliveries[0]!.id;
    expect(() => handle.client.run("UPDATE deliveries SET status = 'delivered' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
    expect(() => handle.client.run("UPDATE deliveries SET status = 'in_flight' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
    expect(() => handle.client.run("UPDATE deliveries SET status = 'succeeded' WHERE id = ?", [id])).toThrow(/CHECK constraint failed/);
  });

  test("claims, expiry and the next-due query read through indexes, never sorting or scanning", async () => {
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

  test("reopening a migrated database changes nothing", async () => {
    const { path, outbox, event } = setup();
    await outbox.enqueue([event(["a"])]);
    await outbox.close();
    const again = openOutbox(path, { synchronous: "full" });
    expect((await again.outbox.stats()).pending).toBe(1);
    await again.outbox.close();
  });

  test("closing after use leaves only the database file: the WAL is copied back and removed", async () => {
    const { path, outbox, event, clock, admitAll } = setup();
    await outbox.enqueue([event(["a"])]);
    const [claimed] = await outbox.claimDue({ now: clock.now(), leaseUntil: clock.now() + 1, ...admitAll });
    await outbox.settleMany([{ record: { deliveryId: claimed!.id, n: 1, at: clock.now(), durationMs: 5, statusCode: 200, response: "ok", outcome: "succeeded" }, lease: claimed!.lease, next: { status: "succeeded" }, now: clock.now() }]);
    expect(existsSync(`${path}-wal`)).toBe(true);
    await outbox.close();
    expect(readdirSync(dirname(path))).toEqual(["herald.db"]);
    const again = openOutbox(path, { synchronous: "full" });
    expect(again.handle.client.query("SELECT status FROM deliveries").all()).toEqual([{ status: "succeeded" }]);
    await again.outbox.close();
  });
});

describe.skipIf(SQLITE_ONLY)("two connections", () => {
  test("two connections claiming at once never take the same row", async () => {
    const { path, outbox, event, clock } = setup();
    await outbox.enqueue(Array.from({ length: 50 }, () => event(["a"])));
    const other = openOutbox(path, { synchronous: "full" }).outbox;
    const taken: string[] = [];
    for (let round = 0; round < 10; round++) {
      for (const box of [outbox, other]) {
        taken.push(...(await box.claimDue({ now: clock.now(), leaseUntil: clock.now() + 60_000, lanes: [{ destination: "a", limit: 3 }], inline: { limit: 0, exclude: [] } })).map((d) => d.id));
      }
    }
    expect(taken).toHaveLength(50);
    expect(new Set(taken).size).toBe(50);
    await other.close();
  });

});

test.skipIf(SQLITE_ONLY)("a database held by another writer makes writes fail fast with a storage fault", async () => {
  const { path, outbox, event, handle } = setup();
  handle.client.exec("PRAGMA busy_timeout = 50");
  const locker = openSqliteClient(path);
  locker.exec("BEGIN IMMEDIATE");
  const refused = await outbox.enqueue([event(["a"])]).then(() => undefined, (error: unknown) => error);
  // A driver's lock error leaves the backend as the seam's StorageFault, in the driver's words.
  expect(isStorageFault(refused) && refused.kind).toBe("busy");
  expect(String(refused)).toMatch(/locked|busy/i);
  locker.exec("ROLLBACK");
  locker.close();
  expect((await outbox.enqueue([event(["a"])]))[0]!.duplicate).toBe(false);
});

describe.skipIf(SQLITE_ONLY)("faults at the seam", () => {
  test("SQLite's faults leave the backend as StorageFault of the matching kind; other errors as they were", () => {
    const kinds: Array<[DatabaseErrorKind, number, string]> = [
      ["busy", 5, "busy"],
      ["locked", 6, "busy"],
      ["full", 13, "full"],
      ["readonly", 8, "read_only"],
      ["io", 10, "io"],
      ["corrupt", 11, "corrupt"],
      ["cantopen", 14, "unavailable"],
      ["denied", 3, "denied"],
    ];
    for (const [kind, errno, seam] of kinds) {
      const fault = toStorageFault(new DatabaseError("database says no", kind, errno, undefined));
      expect([kind, isStorageFault(fault) && fault.kind, (fault as Error).message]).toEqual([kind, seam, "database says no"]);
    }
    const constraint = new DatabaseError("UNIQUE constraint failed: events.id", "constraint", 19, undefined);
    expect(toStorageFault(constraint)).toBe(constraint);
  });

  test("a failed fsync of the WAL is an I/O fault", async () => {
    const path = join(tempDir(), "herald.db");
    const { outbox } = openOutbox(path, { synchronous: "full" });
    // Nothing committed yet: there is no WAL file to open, which fails like the fsync would.
    rmSync(`${path}-wal`, { force: true });
    const refused = await outbox.syncCommitted().then(() => undefined, (error: unknown) => error);
    expect(isStorageFault(refused) && refused.kind).toBe("io");
    expect(String(refused)).toContain("cannot open the WAL to sync it");
    await outbox.close();
  });
});
