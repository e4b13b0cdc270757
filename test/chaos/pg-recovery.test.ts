// How soon a daemon on PostgreSQL works again once the server answers again, without a restart,
// and what the fault cost: producers publish and a receiver takes deliveries throughout while
// the server is stopped, restarted, has Herald's sessions terminated, turns read-only, or the
// network to it is cut without a close (a TCP proxy that freezes, test/helpers/tcp-proxy.ts). The
// times from "the server answers again" to /readyz 200, to the first 202 and to the first
// delivery are printed and must stay under RECOVERY_BOUND_MS (docs/storage.md states it; about
// 2 s is typical, the bound leaves room for a loaded machine). Every event answered 202 or 200
// is delivered exactly once, and every publish made while the server could not write is a 503.
// The file runs a server of its own (test/helpers/pg-server.ts). Skips without HERALD_TEST_PG_URL.
import { afterEach, describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { skipWithoutPostgres } from "../helpers/pg.ts";
import { useOwnPgServer } from "../helpers/pg-server.ts";
import { sleep } from "../helpers/process.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { psql } from "../helpers/rows.ts";
import { freshPgDatabase } from "../helpers/storage.ts";
import { startTcpProxy, type TcpProxy } from "../helpers/tcp-proxy.ts";
import { ANSWER_DEADLINE_MS } from "../../src/outbox/postgres/deadline.ts";
import { MAINTENANCE_INTERVAL_MS } from "../../src/scheduler/maintenance.ts";

/** The most the daemon may take, once the server answers again, to be ready, accept and deliver. */
const RECOVERY_BOUND_MS = 10_000;
/** How long the server stays away in the outage cases. */
const OUTAGE_MS = 3_000;
/**
 * How long the network stays cut: a publish in flight when it is cut is given up by the deadline,
 * and the next one, asked well before the network is back, must be given up too.
 */
const FREEZE_MS = 2 * ANSWER_DEADLINE_MS + 3_000;
/** The longest a delivery stored in flight can wait for lease rescue: its lease (timeout 2 s + 60 s), then a maintenance run. */
const LEASE_RESCUE_MS = 2_000 + 60_000 + MAINTENANCE_INTERVAL_MS;

const skip = skipWithoutPostgres("chaos pg-recovery");

const server = useOwnPgServer(skip);
let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
let proxy: TcpProxy | undefined;

afterEach(async () => {
  await cleanUp(daemon, receiver, proxy);
  daemon = undefined;
  proxy = undefined;
});

interface Answer {
  key: string;
  status: number;
  sentAt: number;
  answeredAt: number;
}

/** A daemon on a new database of this file's server (through `via`, if given), relaying every event to a receiver. */
async function startOnPostgres(via?: TcpProxy) {
  receiver = startReceiver();
  const direct = freshPgDatabase(server().url);
  const url = via ? via.via(direct) : direct;
  // Short waits, so a delivery whose attempt met the outage is retried well within the bound.
  const config = writeConfig(relayToml(url, receiver.url, { extra: `[delivery]\nbackoff = ["200ms"]\njitter = 0\ntimeout = "2s"\n` }));
  daemon = await startDaemon(config.path);
  return { database: new URL(url).pathname.slice(1) };
}

async function publishKey(key: string): Promise<number> {
  const response = await fetch(`${daemon!.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "completed", id: key, data: { key } }) });
  await response.arrayBuffer();
  return response.status;
}

async function readyStatus(): Promise<number> {
  const response = await fetch(`${daemon!.url}/readyz`);
  await response.arrayBuffer();
  return response.status;
}

/**
 * Two producers, each publishing one new key after another and retrying a key (with its
 * idempotency id) until it is answered 202 or 200, as a careful producer does; and a poller
 * of /readyz. Every answer is recorded with when it was asked and answered.
 */
function startTraffic() {
  const answers: Answer[] = [];
  const readiness: Answer[] = [];
  let stopping = false;
  let next = 0;
  const record = async (list: Answer[], key: string, ask: () => Promise<number>) => {
    const sentAt = Date.now();
    const status = await ask().catch(() => 0);
    list.push({ key, status, sentAt, answeredAt: Date.now() });
    return status;
  };
  const producer = async () => {
    while (!stopping) {
      const key = `k-${next++}`;
      while (!stopping && ![200, 202].includes(await record(answers, key, () => publishKey(key)))) await sleep(50);
      await sleep(20);
    }
  };
  const poller = async () => {
    while (!stopping) {
      await record(readiness, "readyz", readyStatus);
      await sleep(100);
    }
  };
  const running = [producer(), producer(), poller()];
  return {
    answers,
    readiness,
    stop: async () => {
      stopping = true;
      await Promise.all(running);
    },
  };
}

type Traffic = ReturnType<typeof startTraffic>;

const keyOf = (body: string) => (JSON.parse(body) as { data: { key: string } }).data.key;

/** Milliseconds from `back` to the first /readyz 200, 202 and delivery asked for (or arrived) after it. */
async function recoveryAfter(back: number, traffic: Traffic) {
  const firstAfter = (list: Answer[], status: number) => list.find((a) => a.sentAt >= back && a.status === status);
  const times = () => ({
    ready: firstAfter(traffic.readiness, 200)?.answeredAt,
    accepted: firstAfter(traffic.answers, 202)?.answeredAt,
    delivered: receiver!.requests.find((r) => r.at >= back)?.at,
  });
  // Waits past the bound, so a slow recovery is measured and reported rather than cut off.
  await eventually(() => Object.values(times()).every((at) => at !== undefined), RECOVERY_BOUND_MS * 3, "recovery");
  const seen = times();
  return { readyMs: seen.ready! - back, acceptedMs: seen.accepted! - back, deliveredMs: seen.delivered! - back };
}

/** After the traffic stops: every key answered 202 or 200 arrived, and no key arrived twice. */
async function expectEachAcceptedDeliveredOnce(traffic: Traffic) {
  await traffic.stop();
  const accepted = new Set(traffic.answers.filter((a) => a.status === 202 || a.status === 200).map((a) => a.key));
  // A row stored in flight whose commit's answer was lost (a claim, or a publish handed to the
  // scheduler) is sent once its lease runs out (timeout + 60 s) and the next maintenance run
  // (every 60 s) puts it back.
  await eventually(() => {
    const arrived = new Set(receiver!.requests.map((r) => keyOf(r.body)));
    return [...accepted].every((key) => arrived.has(key));
  }, LEASE_RESCUE_MS + 10_000, "every accepted event delivered");
  await sleep(1_000);
  const arrivals = new Map<string, number>();
  for (const request of receiver!.requests) arrivals.set(keyOf(request.body), (arrivals.get(keyOf(request.body)) ?? 0) + 1);
  expect([...arrivals].filter(([, count]) => count > 1)).toEqual([]);
  expect(accepted.size).toBeGreaterThan(10);
}

/** Every publish asked after `from` and answered before `until` (the server could not write) was a 503. */
function expectRefusedBetween(traffic: Traffic, from: number, until: number) {
  const during = traffic.answers.filter((a) => a.sentAt >= from && a.answeredAt <= until);
  expect(during.length).toBeGreaterThan(0);
  expect(during.filter((a) => a.status !== 503)).toEqual([]);
}

/** Every publish and /readyz asked between `from` and `until` was answered 503 within the answer deadline. */
function expectRefusedInTime(traffic: Traffic, from: number, until: number) {
  for (const list of [traffic.answers, traffic.readiness]) {
    const asked = list.filter((a) => a.sentAt >= from && a.sentAt < until);
    expect(asked.length).toBeGreaterThan(0);
    // A second of slack for the loaded machine; a hang would take far longer.
    expect(asked.filter((a) => a.status !== 503 || a.answeredAt - a.sentAt > ANSWER_DEADLINE_MS + 1_000)).toEqual([]);
  }
}

/** Runs `fault` under traffic; it resolves to when the server answers again. Checks recovery and delivery. */
async function measure(what: string, fault: (traffic: Traffic) => Promise<number>) {
  const traffic = startTraffic();
  await eventually(() => receiver!.requests.length >= 5, 10_000, "deliveries before the fault");
  const back = await fault(traffic);
  const recovery = await recoveryAfter(back, traffic);
  console.log(`pg-recovery ${what}: ${JSON.stringify(recovery)}`);
  // Traffic goes on for a while after the recovery, so what was accepted then is checked too.
  await sleep(2_000);
  await expectEachAcceptedDeliveredOnce(traffic);
  expect(recovery.readyMs).toBeLessThan(RECOVERY_BOUND_MS);
  expect(recovery.acceptedMs).toBeLessThan(RECOVERY_BOUND_MS);
  expect(recovery.deliveredMs).toBeLessThan(RECOVERY_BOUND_MS);
  return traffic;
}

/**
 * Makes the daemon's pool open all its connections (postgres.js opens one more while every open
 * one is busy, up to 10), so that once the network is cut every one of them is stuck and only a
 * fresh pool can answer: calls pile up while the proxy holds their bytes, then flow.
 */
async function fillPool(through: TcpProxy) {
  through.hold();
  const calls = Array.from({ length: 30 }, async () => void (await (await fetch(`${daemon!.url}/v1/events?limit=1`)).arrayBuffer()));
  await sleep(500);
  through.release();
  await Promise.all(calls);
  expect(through.counts().accepted).toBeGreaterThanOrEqual(10);
}

/** Ends every session on `database` but psql's own (what an operator, a pooler or a failover does). */
const terminateSessions = (database: string) =>
  psql(server().url, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = '${database}' AND pid <> pg_backend_pid()`);

describe.skipIf(skip)("a daemon on PostgreSQL, once the server answers again", () => {
  test("the server stopped for 3 s: publishes 503 meanwhile; ready, accepting and delivering within the bound", async () => {
    await startOnPostgres();
    await measure("stopped 3 s", async (traffic) => {
      await server().halt();
      const down = Date.now();
      await sleep(OUTAGE_MS);
      expectRefusedBetween(traffic, down, Date.now());
      await server().resume();
      return Date.now();
    });
  }, 240_000);

  test("the server restarted: ready, accepting and delivering within the bound", async () => {
    await startOnPostgres();
    await measure("restarted", async () => {
      await server().halt();
      await server().resume();
      return Date.now();
    });
  }, 240_000);

  test("Herald's sessions terminated: ready, accepting and delivering within the bound", async () => {
    const { database } = await startOnPostgres();
    await measure("sessions terminated", async () => {
      terminateSessions(database);
      return Date.now();
    });
  }, 240_000);

  test("the database read-only, then writable again: 503 meanwhile; writes resume within the bound without new sessions forced", async () => {
    const { database } = await startOnPostgres();
    await measure("read-only then writable", async (traffic) => {
      // A session keeps the database's settings it began with: end the daemon's so its new ones are read-only.
      psql(server().url, `ALTER DATABASE ${database} SET default_transaction_read_only = on`);
      terminateSessions(database);
      await sleep(1_000);
      const readOnly = Date.now();
      await sleep(OUTAGE_MS);
      expectRefusedBetween(traffic, readOnly, Date.now());
      // Only new sessions see the reset: the daemon must renew the ones that met read-only mode.
      psql(server().url, `ALTER DATABASE ${database} RESET default_transaction_read_only`);
      return Date.now();
    });
  }, 240_000);

  test("the network to the server cut without a close, then back: 503 in time meanwhile; new connections recover within the bound", async () => {
    const { hostname, port } = new URL(server().url);
    proxy = await startTcpProxy(hostname, Number(port));
    await startOnPostgres(proxy);
    let frozen = 0;
    let thawed = 0;
    const traffic = await measure("network frozen", async (traffic) => {
      await fillPool(proxy!);
      proxy!.freeze();
      frozen = Date.now();
      await sleep(FREEZE_MS);
      thawed = Date.now();
      expectRefusedBetween(traffic, frozen, thawed);
      proxy!.unfreeze();
      return thawed;
    });
    // Asked while the network was cut, so long before it came back that only a hang could outlast it.
    expectRefusedInTime(traffic, frozen, thawed - ANSWER_DEADLINE_MS - 1_000);
    // The connections that lived through the freeze never answer again: the daemon recovered over new ones.
    expect(proxy.counts().accepted).toBeGreaterThan(proxy.counts().silenced);
  }, 240_000);
});
