// Two `herald serve` on one database file, as two containers on one volume run them: each on
// its own host name. The second is refused while the first one's heartbeat is fresh (a second
// scheduler would rescue the first one's lease and send its delivery again), and takes over
// only once the heartbeat is stale.
import { afterEach, describe, expect, test } from "bun:test";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, heraldCommand, publish, startDaemonWith, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { run, runSync } from "../helpers/process.ts";
import { OWNER_STALE_MS } from "../../src/outbox/sqlite/ownership.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("ownership", "the SQLite file's owner row (PostgreSQL's nodes are in postgres-outbox.test.ts)");

let receiver: Receiver | undefined;
const daemons: Daemon[] = [];
afterEach(async () => {
  for (const daemon of daemons.splice(0)) await cleanUp(daemon);
  await cleanUp(undefined, receiver);
  receiver = undefined;
});

// As root, each process gets a UTS namespace of its own with that host name, as a container
// does (so the host names differ for os.hostname() too); $HOSTNAME is set as a container sets it.
const canUnshare = (() => {
  try {
    return process.getuid?.() === 0 && runSync(["unshare", "--uts", "true"]).code === 0;
  } catch {
    return false; // no unshare(1) here
  }
})();
function onHost(host: string, args: string[]) {
  const command = heraldCommand(args);
  return {
    command: canUnshare ? ["unshare", "--uts", "sh", "-c", 'hostname "$0" && exec "$@"', host, ...command] : command,
    env: { ...process.env, HOSTNAME: host },
  };
}

async function serveOn(host: string, config: string): Promise<Daemon> {
  const { command, env } = onHost(host, ["serve", "--config", config]);
  const daemon = await startDaemonWith(command, env);
  daemons.push(daemon);
  return daemon;
}

/** A serve that should be refused; killed after 10 s if it starts instead, so a failure cannot hang. */
async function refusedServe(host: string, config: string) {
  const { command, env } = onHost(host, ["serve", "--config", config]);
  const { stderr, code } = await run(command, { env, timeoutMs: 10_000 });
  return { stderr, code };
}

function query<T>(db: string, sql: string): T[] {
  const conn = openSqliteClient(db, { create: false });
  try {
    return conn.query(sql).all() as T[];
  } finally {
    conn.close();
  }
}

describe.skipIf(SQLITE_ONLY)("one serve per database, across hosts", () => {
  test("a serve on another host is refused while the owner's heartbeat is fresh, even after kill -9; it takes over once the heartbeat is stale", async () => {
    receiver = startReceiver(() => new Promise<Response>(() => {})); // holds the first delivery in flight
    const config = writeConfig(relayToml("{{db}}", receiver.url, { extra: '[delivery]\ntimeout = "60s"' }));
    const first = await serveOn("herald-a", config.path);
    expect((await publish(first, { event: "completed", data: { n: 1 } })).status).toBe(202);
    await receiver.waitFor(1);
    const [owner] = query<{ pid: number; host: string }>(config.db, "SELECT pid, host FROM owner");
    expect(owner!.host).toBe("herald-a");

    const refused = await refusedServe("herald-b", config.path);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      new RegExp(`^herald: the database is in use by another herald serve \\(pid ${owner!.pid} on host herald-a, heartbeat \\d+ s ago\\); stop it first\\. It counts as stopped once its heartbeat is 30 s old, in \\d+ s\\n$`),
    );
    expect(query(config.db, "SELECT status FROM deliveries")).toEqual([{ status: "in_flight" }]);

    first.signal("SIGKILL");
    await first.exited;
    // Dead or only unreachable: from another host the two look alike until the heartbeat ages.
    expect((await refusedServe("herald-b", config.path)).stderr).toContain(`(pid ${owner!.pid} on host herald-a, heartbeat `);
    expect(receiver.requests).toHaveLength(1);

    // The heartbeat ages as if OWNER_STALE_MS had passed without one (no real process can be
    // given a fake clock, and waiting 30 s is no test).
    query(config.db, `UPDATE owner SET heartbeat_at = heartbeat_at - ${OWNER_STALE_MS}`);
    receiver.respond(() => new Response("ok"));
    const second = await serveOn("herald-b", config.path);
    await second.waitForLog((line) => line.msg === "delivery.succeeded");
    expect(second.lines.find((line) => line.msg === "outbox.leases_rescued")).toMatchObject({ count: 1 });
    expect(query(config.db, "SELECT host FROM owner")).toEqual([{ host: "herald-b" }]);
    expect(receiver.requests).toHaveLength(2);
  }, 30_000);

  // Two containers sharing a host name (compose's hostname:, --uts host) but not their
  // processes: from the second, the owner's pid does not exist, though the owner is alive.
  const canUnsharePid = process.getuid?.() === 0 && runSync(["unshare", "-p", "-f", "--mount-proc", "true"]).code === 0;
  test.skipIf(!canUnsharePid)("the same host name in another pid namespace is refused while the owner's heartbeat is fresh", async () => {
    receiver = startReceiver();
    const config = writeConfig(relayToml("{{db}}", receiver.url));
    const first = await serveOn("herald-a", config.path);
    const [owner] = query<{ pid: number }>(config.db, "SELECT pid FROM owner");
    const { stderr, code } = await run(["unshare", "-p", "-f", "--mount-proc", ...heraldCommand(["serve", "--config", config.path])], {
      env: { ...process.env, HOSTNAME: "herald-a" },
      timeoutMs: 10_000,
    });
    expect({ code, stderr }).toEqual({ code: 1, stderr: expect.stringContaining(`(pid ${owner!.pid} on host herald-a, heartbeat `) });
    expect((await fetch(`${first.url}/healthz`)).status).toBe(200);
    expect(first.lines.some((line) => line.msg === "server.ownership_lost")).toBe(false);
  }, 30_000);
});
