// A daemon on PostgreSQL through the server's faults, seen from outside: the server stopped,
// the database switched to read-only, and kill -9 of the daemon under load. Each fault answers
// publishes 503 with nothing half-stored and /readyz 503, and Herald recovers without a restart;
// what was answered 202 before a kill is stored and delivered after it. The tests run a server
// of their own (scripts/pg-test-server start --durable: fsync on, so a kill loses only what was
// never committed), so stopping it disturbs no other file. Skips without HERALD_TEST_PG_URL.
import { afterEach, describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { skipWithoutPostgres } from "../helpers/pg.ts";
import { useOwnPgServer } from "../helpers/pg-server.ts";
import { sleep } from "../helpers/process.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { psql, rowsOf } from "../helpers/rows.ts";
import { freshPgDatabase } from "../helpers/storage.ts";

const skip = skipWithoutPostgres("chaos postgres-daemon-faults");

const server = useOwnPgServer(skip);
let daemon: Daemon | undefined;
let receiver: Receiver | undefined;

afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
});

/** A daemon on a new database of this file's server, relaying every event to a receiver. */
async function startOnPostgres(extra = "") {
  receiver = startReceiver();
  const url = freshPgDatabase(server().url);
  const config = writeConfig(relayToml(url, receiver.url, { extra: `[delivery]\nbackoff = ["200ms"]\njitter = 0\n${extra}` }));
  daemon = await startDaemon(config.path);
  return { url, config };
}

async function publishKey(key: string) {
  const response = await fetch(`${daemon!.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "completed", id: key, data: { key } }) });
  return { status: response.status, body: (await response.json()) as { error?: { code: string; message: string } } };
}

const readyStatus = async () => (await fetch(`${daemon!.url}/readyz`)).status;
const storedKeys = (url: string) => rowsOf(url).query("SELECT idempotency_key AS key FROM events WHERE idempotency_key IS NOT NULL").all().map((row) => row.key as string);
const deliveredKeys = () => new Set(receiver!.requests.map((r) => (JSON.parse(r.body) as { data: { key: string } }).data.key));

/** Publishes `key` until it is answered 202 (the daemon recovers on its own); returns the tries. */
async function publishUntilAccepted(key: string, timeoutMs = 20_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (let tries = 1; ; tries++) {
    if ((await publishKey(key)).status === 202) return tries;
    if (Date.now() > deadline) throw new Error(`${key} not accepted within ${timeoutMs}ms`);
    await sleep(100);
  }
}

/** Polls /readyz until it answers `status` (readiness is probed, not pushed). */
async function readyBecomes(status: number, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await readyStatus()) !== status) {
    if (Date.now() > deadline) throw new Error(`/readyz did not answer ${status} within ${timeoutMs}ms`);
    await sleep(100);
  }
}

/** While a fault lasts: a publish is 503 naming the storage, and /readyz is 503. */
async function expectRefused(key: string) {
  expect(await publishKey(key)).toEqual({ status: 503, body: { error: { code: "storage_unavailable", message: "the database cannot take writes right now; nothing was stored, try again" } } });
  await readyBecomes(503);
}

describe.skipIf(skip)("a daemon on PostgreSQL, through the server's faults", () => {
  test("the server stopped: 503 and /readyz 503, nothing half-stored; started again, publishes are 202 and deliveries flow without a restart", async () => {
    const { url } = await startOnPostgres();
    expect((await publishKey("before")).status).toBe(202);
    await eventually(() => deliveredKeys().has("before"), 10_000, "the first delivery");

    await server().halt();
    try {
      await expectRefused("during");
    } finally {
      await server().resume();
    }
    await publishUntilAccepted("after");
    await eventually(() => deliveredKeys().has("after"), 15_000, "a delivery after the server came back");
    await readyBecomes(200);
    expect(storedKeys(url).sort()).toEqual(["after", "before"]);
    expect(daemon!.lines.some((l) => l.msg === "ingress.storage_unavailable" && !String(l.error).includes(url))).toBe(true);
  }, 120_000);

  test("the database switched to read-only: 503 and /readyz 503; switched back, publishes are 202 again without a restart", async () => {
    const { url } = await startOnPostgres();
    const name = new URL(url).pathname.slice(1);
    expect((await publishKey("before")).status).toBe(202);
    // A session keeps the settings it began with: end the daemon's so its new ones are read-only.
    const reconnect = () => psql(server().url, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`);
    psql(server().url, `ALTER DATABASE ${name} SET default_transaction_read_only = on`);
    reconnect();
    try {
      // The first publish after the terminations may meet a dead connection (also a 503).
      await expectRefused("read-only-1");
      await expectRefused("read-only-2");
    } finally {
      psql(server().url, `ALTER DATABASE ${name} RESET default_transaction_read_only`);
      reconnect();
    }
    await publishUntilAccepted("after");
    await eventually(() => deliveredKeys().has("after"), 15_000, "a delivery after read-only mode ended");
    await readyBecomes(200);
    expect(storedKeys(url).sort()).toEqual(["after", "before"]);
  }, 120_000);

  test("kill -9 under load: after a restart, every event answered 202 is in the database and delivered", async () => {
    const { url, config } = await startOnPostgres("concurrency = 32");
    const accepted = new Set<string>();
    let next = 0;
    let stopping = false;
    let restarting: Promise<void> | undefined;
    // Producers publish continuously, each key until it is answered; only 202s count.
    const producers = Array.from({ length: 6 }, async () => {
      while (!stopping) {
        const key = `ev-${next++}`;
        for (;;) {
          await restarting;
          const status = await publishKey(key).then((r) => r.status, () => 0);
          if (status === 202 || status === 200) {
            accepted.add(key);
            break;
          }
          await sleep(20);
        }
        await sleep(5);
      }
    });
    for (let kill = 0; kill < 3; kill++) {
      await sleep(700);
      let done!: () => void;
      restarting = new Promise((resolve) => (done = resolve));
      daemon!.signal("SIGKILL");
      await daemon!.exited;
      daemon = await startDaemon(config.path);
      done();
    }
    await sleep(500);
    stopping = true;
    await Promise.all(producers);
    const stored = new Set(storedKeys(url));
    const lost = [...accepted].filter((key) => !stored.has(key));
    console.log(`postgres kill -9: ${accepted.size} events answered 202 over 3 kills, ${lost.length} missing from the database`);
    expect(accepted.size).toBeGreaterThan(100);
    expect(lost).toEqual([]);
    await eventually(() => [...accepted].every((key) => deliveredKeys().has(key)), 60_000, "every accepted event delivered");
  }, 180_000);
});
