// A serve that finds at its next heartbeat that another one took the database over (it was
// stalled past the staleness, a SIGSTOP or a paused VM) exits 1 at once, writing nothing more.
// Real heartbeats come every 5 s, hence chaos, not the fast suite.
import { afterEach, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";

let daemon: Daemon | undefined;
afterEach(async () => {
  await cleanUp(daemon);
  daemon = undefined;
});

test("a serve whose owner row was taken over exits 1 at its next heartbeat and leaves the new owner's row", async () => {
  const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9"));
  daemon = await startDaemon(config.path);
  const db = openSqliteClient(config.db, { create: false });
  db.run("UPDATE owner SET pid = 4242, host = 'herald-b', heartbeat_at = ?", [Date.now()]);
  await daemon.waitForLog((line) => line.msg === "server.ownership_lost", 10_000);
  expect(await daemon.exited).toBe(1);
  expect(db.query("SELECT pid, host FROM owner").all()).toEqual([{ pid: 4242, host: "herald-b" }]);
  db.close();
  daemon = undefined;
}, 20_000);
