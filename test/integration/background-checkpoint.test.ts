// The background checkpointer: a worker thread with its own connection copies the WAL into the
// database file, so the daemon's thread never pays for checkpoints in the normal case.
import { describe, expect, test } from "bun:test";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { createIdGenerator } from "../../src/core/ids.ts";
import { BACKSTOP_CHECKPOINT_PAGES, startBackgroundCheckpoints } from "../../src/outbox/sqlite/background-checkpoint.ts";
import { createDestinationStates } from "../../src/outbox/sqlite/destination-state.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { manualClock } from "../helpers/clock.ts";
import { eventually } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("background-checkpoint", "SQLite's WAL checkpoints");

function setup() {
  const path = join(tempDir(), "herald.db");
  const { outbox, handle } = openOutbox(path, { synchronous: "full" });
  const clock = manualClock();
  const ids = createIdGenerator(clock);
  // 40 commits of 25 events with 1 KiB of data each: about 1,000 pages of WAL, under the backstop.
  const write = () => {
    for (let commit = 0; commit < 40; commit++) {
      outbox.enqueue(
        Array.from({ length: 25 }, () => ({
          id: ids.event(),
          name: "completed",
          timestamp: new Date(clock.now()).toISOString(),
          data: JSON.stringify({ pad: "x".repeat(1_024) }),
          receivedAt: clock.now(),
          deliveries: [{ id: ids.delivery(), destination: "recv", expiresAt: clock.now() + 86_400_000 }],
        })),
      );
    }
  };
  const automaticPages = () => (handle.client.query("PRAGMA wal_autocheckpoint").get() as { wal_autocheckpoint: number }).wal_autocheckpoint;
  return { path, outbox, handle, write, automaticPages, size: () => statSync(path).size };
}

describe.skipIf(SQLITE_ONLY)("background checkpoints", () => {
  test("without them, writes under the automatic threshold stay in the WAL (the control)", () => {
    const { handle, write, size, outbox } = setup();
    handle.client.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const before = size();
    write();
    expect(size()).toBe(before);
    outbox.close();
  });

  test("the worker copies the WAL into the database file; the daemon's own threshold becomes a backstop", async () => {
    const { handle, write, size, automaticPages, outbox } = setup();
    const problems: string[] = [];
    const checkpoints = startBackgroundCheckpoints(handle, { intervalMs: 10, onProblem: ({ message }) => problems.push(message) });
    await eventually(() => automaticPages() === BACKSTOP_CHECKPOINT_PAGES, 5_000, "the worker ready");
    const before = size();
    write();
    await eventually(() => size() > before + 1_000_000, 5_000, "the database file holding the new rows");
    await checkpoints.stop();
    expect(automaticPages()).toBe(1_000);
    expect(problems).toEqual([]);
    outbox.close();
  });

  test("the worker reads the /metrics figures on its own connection, the same as the daemon's thread would", async () => {
    const { handle, write, automaticPages, outbox } = setup();
    const checkpoints = startBackgroundCheckpoints(handle, { intervalMs: 10, onProblem: () => {} });
    await eventually(() => automaticPages() === BACKSTOP_CHECKPOINT_PAGES, 5_000, "the worker ready");
    write();
    const figures = await checkpoints.stats();
    expect(figures).toEqual({ pending: 1_000, oldestPendingReceivedAt: expect.any(Number) });
    expect(figures).toEqual(await outbox.stats());
    await checkpoints.stop();
    // Stopped: the caller reads the figures itself.
    expect(checkpoints.stats()).toBeUndefined();
    outbox.close();
  });

  test("the worker counts each destination's pending deliveries on its own connection, as the daemon's thread would", async () => {
    const { handle, write, automaticPages, outbox } = setup();
    const checkpoints = startBackgroundCheckpoints(handle, { intervalMs: 10, onProblem: () => {} });
    await eventually(() => automaticPages() === BACKSTOP_CHECKPOINT_PAGES, 5_000, "the worker ready");
    write();
    const counted = await checkpoints.pending();
    expect(counted).toEqual(new Map([["recv", 1_000]]));
    expect(counted).toEqual(await createDestinationStates(handle).pendingByDestination());
    await checkpoints.stop();
    expect(checkpoints.pending()).toBeUndefined();
    outbox.close();
  });

  test("once the worker has stopped and the daemon closes, only the database file is left", async () => {
    const { path, handle, write, automaticPages, outbox } = setup();
    const checkpoints = startBackgroundCheckpoints(handle, { intervalMs: 10, onProblem: () => {} });
    await eventually(() => automaticPages() === BACKSTOP_CHECKPOINT_PAGES, 5_000, "the worker ready");
    write();
    await checkpoints.stats();
    await checkpoints.stop();
    outbox.close();
    // A connection left open on either thread would keep these two: the last close removes them.
    expect(readdirSync(dirname(path))).toEqual(["herald.db"]);
  });

  test("a worker that cannot open the database hands checkpoints back to SQLite, and says so", async () => {
    const { handle, automaticPages, outbox } = setup();
    handle.client.exec(`PRAGMA wal_autocheckpoint = ${BACKSTOP_CHECKPOINT_PAGES}`);
    const problems: Array<{ message: string; fellBack: boolean }> = [];
    const checkpoints = startBackgroundCheckpoints({ client: handle.client, path: join(tempDir(), "missing.db") }, { intervalMs: 10, onProblem: (problem) => problems.push(problem) });
    await eventually(() => problems.length > 0, 5_000, "the worker's report");
    expect(problems).toEqual([{ message: expect.stringContaining("cannot open the database"), fellBack: true }]);
    expect(automaticPages()).toBe(1_000);
    expect(checkpoints.stats()).toBeUndefined();
    await checkpoints.stop();
    outbox.close();
  });
});
