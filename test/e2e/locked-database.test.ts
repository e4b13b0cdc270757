// The real daemon while another process's connection holds the SQLite write lock and a
// delivery's attempt ends: its thread is never held for the 5 s busy timeout, so health, reads
// and admin writes answer within a second, and the attempt is recorded once the lock goes.
import { openSqliteClient, type SqliteClient } from "../../src/runtime/sqlite.ts";
import { expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, publish, readDeliveries, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver } from "../helpers/receiver.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("locked-database", "an SQLite write lock held by another process (test/chaos/postgres-daemon-faults.test.ts has PostgreSQL's faults)");

test.skipIf(SQLITE_ONLY)("serve waits at most a moment for another process's lock; the settle is kept and stored once it goes", async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const receiver = startReceiver(async () => (await gate, new Response("ok")));
  let daemon: Daemon | undefined;
  const holder: { db?: SqliteClient } = {};
  try {
    const config = writeConfig(relayToml("{{db}}", receiver.url));
    daemon = await startDaemon(config.path);
    const { body } = await publish(daemon, { event: "completed", data: {} });
    await receiver.waitFor(1);
    holder.db = openSqliteClient(config.db, { create: false });
    holder.db.exec("BEGIN IMMEDIATE");
    open();
    await daemon.waitForLog((line) => line.msg === "delivery.settle_held");

    const timed = async (path: string, init?: RequestInit) => {
      const started = performance.now();
      const response = await fetch(`${daemon!.url}${path}`, init);
      await response.text();
      return { path, status: response.status, quick: performance.now() - started < 1_000 };
    };
    expect(await timed("/healthz")).toEqual({ path: "/healthz", status: 200, quick: true });
    expect(await timed("/v1/deliveries?limit=1")).toEqual({ path: "/v1/deliveries?limit=1", status: 200, quick: true });
    const cancel = `/v1/deliveries/${body.deliveries[0]!.id}/cancel`;
    expect(await timed(cancel, { method: "POST" })).toEqual({ path: cancel, status: 503, quick: true });

    holder.db.exec("ROLLBACK");
    await daemon.waitForLog((line) => line.msg === "delivery.succeeded");
    expect(readDeliveries(config.db).map((d) => [d.status, d.attempts])).toEqual([["succeeded", 1]]);
    expect(receiver.requests).toHaveLength(1);
  } finally {
    holder.db?.close();
    await cleanUp(daemon, receiver);
  }
});
