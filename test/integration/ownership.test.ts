// The owner row on a real SQLite file, with a clock the test moves: when a second serve is
// refused, when it may take over, and what the first one learns when it has been taken over.
import { describe, expect, test } from "bun:test";
import { join } from "node:path";
import { OwnershipError } from "../../src/core/errors.ts";
import { openSqlite, type SqliteHandle } from "../../src/outbox/sqlite/handle.ts";
import { OWNER_HEARTBEAT_MS, OWNER_STALE_MS, giveUpOwnership, renewOwnership, takeOwnership } from "../../src/outbox/sqlite/ownership.ts";
import { manualClock } from "../helpers/clock.ts";
import { tempDir } from "../helpers/fs.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("ownership", "the SQLite file's owner row (PostgreSQL's nodes are in postgres-outbox.test.ts)");

const A = { pid: 1, host: "herald-a" };
const B = { pid: 1, host: "herald-b" }; // containers: both pid 1, told apart only by host name
const alive = () => true;
const dead = () => false;

function setup() {
  const path = join(tempDir(), "herald.db");
  const clock = manualClock();
  const open = () => openSqlite(path, { synchronous: "full" });
  const a = open();
  const b = open();
  const owner = (handle: SqliteHandle) => handle.client.query("SELECT pid, host, heartbeat_at FROM owner").all();
  return { clock, a, b, owner };
}

const refusal = (run: () => void) => {
  try {
    run();
  } catch (error) {
    if (error instanceof OwnershipError) return error.message;
    throw error;
  }
  throw new Error("ownership was taken");
};

describe.skipIf(SQLITE_ONLY)("the owner's heartbeat", () => {
  test("another host is refused while the heartbeat is fresh, with the owner's pid, host and time to staleness; it takes over once stale", () => {
    const { clock, a, b, owner } = setup();
    takeOwnership(a, { ...A, now: clock.now() }, alive);
    clock.advance(10_000);
    expect(refusal(() => takeOwnership(b, { ...B, now: clock.now() }, dead))).toBe(
      "the database is in use by another herald serve (pid 1 on host herald-a, heartbeat 10 s ago); stop it first. It counts as stopped once its heartbeat is 30 s old, in 20 s",
    );

    // Heartbeats keep it fresh for as long as they come.
    for (let i = 0; i < 12; i++) {
      clock.advance(OWNER_HEARTBEAT_MS);
      expect(renewOwnership(a, A, clock.now())).toBe(true);
      expect(() => takeOwnership(b, { ...B, now: clock.now() }, dead)).toThrow(OwnershipError);
    }
    clock.advance(OWNER_STALE_MS - 1);
    expect(() => takeOwnership(b, { ...B, now: clock.now() }, dead)).toThrow(/heartbeat 29 s ago.*in 1 s$/);
    clock.advance(1);
    takeOwnership(b, { ...B, now: clock.now() }, dead);
    expect(owner(b)).toEqual([{ pid: 1, host: "herald-b", heartbeat_at: clock.now() }]);

    // The stalled first owner wakes up: its heartbeat says it lost the file, and its stop
    // leaves the new owner's row alone.
    expect(renewOwnership(a, A, clock.now())).toBe(false);
    giveUpOwnership(a, A);
    expect(owner(b)).toEqual([{ pid: 1, host: "herald-b", heartbeat_at: clock.now() }]);
    giveUpOwnership(b, B);
    expect(owner(b)).toEqual([]);
  });

  test("on the owner's own host a pid that no longer runs is taken over at once; a live one, or the same pid, waits for staleness", () => {
    const { clock, a, b, owner } = setup();
    const ns = "pid:[4026531836]";
    takeOwnership(a, { pid: 100, host: "h", pidNamespace: ns, now: clock.now() }, alive);
    clock.advance(1_000);
    expect(refusal(() => takeOwnership(b, { pid: 200, host: "h", pidNamespace: ns, now: clock.now() }, alive))).toContain("(pid 100 on host h, heartbeat 1 s ago)");
    // A restarted container is pid 1 again on the same host name: it cannot tell itself from a twin.
    expect(() => takeOwnership(b, { pid: 100, host: "h", pidNamespace: ns, now: clock.now() }, dead)).toThrow(OwnershipError);
    takeOwnership(b, { pid: 200, host: "h", pidNamespace: ns, now: clock.now() }, (pid) => pid !== 100);
    expect(owner(b)).toEqual([{ pid: 200, host: "h", heartbeat_at: clock.now() }]);
  });

  test("the same host name in another pid namespace (or an unknown one) cannot see the owner's pid: it waits for staleness", () => {
    const { clock, a, b, owner } = setup();
    takeOwnership(a, { pid: 100, host: "h", pidNamespace: "pid:[1]", now: clock.now() }, alive);
    clock.advance(1_000);
    // From another namespace pid 100 does not exist, though the owner is alive in its own.
    expect(refusal(() => takeOwnership(b, { pid: 7, host: "h", pidNamespace: "pid:[2]", now: clock.now() }, dead))).toContain("(pid 100 on host h, heartbeat 1 s ago)");
    expect(() => takeOwnership(b, { pid: 7, host: "h", now: clock.now() }, dead)).toThrow(OwnershipError);
    clock.advance(OWNER_STALE_MS);
    takeOwnership(b, { pid: 7, host: "h", pidNamespace: "pid:[2]", now: clock.now() }, dead);
    expect(owner(b)).toEqual([{ pid: 7, host: "h", heartbeat_at: clock.now() }]);
  });

  test("a row written before heartbeats existed ages from its start", () => {
    const { clock, a, b } = setup();
    a.client.run("INSERT INTO owner (id, pid, host, started_at) VALUES (1, 7, 'old-host', ?)", [clock.now()]);
    clock.advance(OWNER_STALE_MS - 1_000);
    expect(() => takeOwnership(b, { ...B, now: clock.now() }, alive)).toThrow(/pid 7 on host old-host/);
    clock.advance(1_000);
    takeOwnership(b, { ...B, now: clock.now() }, alive);
  });
});
