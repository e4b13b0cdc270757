// A 202 means the event is on disk: publishing commits without blocking on the disk, then
// fsyncs the WAL off the daemon's thread, and answers only after that fsync returns.
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { StorageFault } from "../../src/outbox/errors.ts";
import type { Outbox } from "../../src/outbox/types.ts";
import { createWalSync, FSYNC_FAILED } from "../../src/outbox/sqlite/wal-sync.ts";
import { configFrom, relayToml } from "../helpers/config.ts";
import { tempDir } from "../helpers/fs.ts";
import { eventually } from "../helpers/daemon.ts";
import { createHarness } from "../helpers/harness.ts";

const config = (db: string) => configFrom(relayToml(db, "http://127.0.0.1:9/hook"));
const turns = async (n: number) => {
  for (let i = 0; i < n; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** The outbox as it is, except that every fsync of the WAL fails as a disk error would (the backend gives a StorageFault). */
const withFailingFsync = (outbox: Outbox): Outbox => ({
  ...outbox,
  syncCommitted: () => Promise.reject(new StorageFault("io", "fsync of the WAL failed: EIO")),
});

let closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers) close();
  closers = [];
});

describe("durable publishing", () => {
  test("the event is committed first, and the 202 waits for the WAL's fsync", async () => {
    let openGate!: () => void;
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    let synced = 0;
    const h = createHarness(config, {
      wrapOutbox: (outbox): Outbox => ({ ...outbox, syncCommitted: async () => { await outbox.syncCommitted(); synced++; await gate; } }),
    });
    let answered = false;
    const response = Promise.resolve(h.post("/v1/events", { event: "completed", data: { n: 1 } })).then((r) => ((answered = true), r));
    await eventually(() => synced === 1, 5_000, "the real fsync");
    await turns(5);
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 1 });
    expect(answered).toBe(false);
    openGate();
    expect((await response).status).toBe(202);
  });

  test("a failed fsync answers 503 and says the write may not be on disk", async () => {
    const h = createHarness(config, { wrapOutbox: withFailingFsync });
    const response = await h.post("/v1/events", { event: "completed", data: {} });
    expect(response.status).toBe(503);
    expect(await response.json()).toMatchObject({ error: { code: "storage_unavailable", message: expect.stringContaining("could not confirm the write reached the disk") } });
  });

  test("every request of a group waits for the same fsync, and all fail with it", async () => {
    const h = createHarness(config, { wrapOutbox: withFailingFsync });
    const statuses = await Promise.all(Array.from({ length: 5 }, (_, n) => Promise.resolve(h.post("/v1/events", { event: "completed", data: { n } })).then((r) => r.status)));
    expect(statuses).toEqual([503, 503, 503, 503, 503]);
  });

  test("syncCommitted fsyncs the real WAL file; a missing WAL is a storage fault with SQLite's code", async () => {
    const path = join(tempDir(), "herald.db");
    const { outbox } = openOutbox(path, { synchronous: "full" });
    closers.push(() => outbox.close());
    await expect(outbox.syncCommitted()).resolves.toBeUndefined();
    const missing = createWalSync(join(tempDir(), "nothing.db"));
    await expect(missing.sync()).rejects.toMatchObject({ code: FSYNC_FAILED, message: expect.stringContaining("cannot open the WAL") });
  });
});
