// Crash safety on the real daemon. A producer publishes 2,000 events (retrying, with the same
// idempotency id, whatever did not get an answer) while the daemon is SIGKILLed at random moments
// and restarted. From the receiver's log: every event that got a 2xx arrived at least once;
// duplicates are counted and reported. Then a SIGTERM in the middle of a burst: duplicates come
// only from requests that were in flight.
import { afterEach, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { sleep } from "../helpers/process.ts";

const EVENTS = Number(process.env.CHAOS_EVENTS ?? 2_000);
const KILLS = Number(process.env.CHAOS_KILLS ?? 6);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 100_000);

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
});

/** A small seeded generator, so a failing run can be replayed with CHAOS_SEED. */
function random(seed: number) {
  let state = seed >>> 0 || 1;
  return () => ((state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0) / 2 ** 32);
}

/** Per delivery id, how many times the receiver got it; per event key, whether it arrived. */
function tally(requests: Receiver["requests"]) {
  const byDelivery = new Map<string, number>();
  const keys = new Set<string>();
  for (const r of requests) {
    byDelivery.set(r.headers["x-herald-delivery"]!, (byDelivery.get(r.headers["x-herald-delivery"]!) ?? 0) + 1);
    keys.add(JSON.parse(r.body).data.key);
  }
  const duplicates = [...byDelivery.values()].reduce((n, c) => n + c - 1, 0);
  return { keys, duplicates, requests: requests.length };
}

test(`SIGKILL at random moments while ${EVENTS} events are published: every accepted event is delivered`, async () => {
  const rand = random(SEED);
  console.log(`crash test seed ${SEED} (replay with CHAOS_SEED=${SEED})`);
  // A receiver that takes a few ms, so requests are in flight when the kill comes.
  receiver = startReceiver(async () => {
    await sleep(Math.floor(rand() * 5));
    return new Response("ok");
  });
  const config = writeConfig(relayToml("{{db}}", receiver.url, { extra: `[delivery]\nbackoff = ["200ms"]\njitter = 0\nconcurrency = 32` }));
  daemon = await startDaemon(config.path);

  const accepted = new Set<string>();
  let next = 0;
  let restarting: Promise<void> | undefined;
  const publishOne = async (key: string) => {
    for (;;) {
      await restarting;
      try {
        const response = await fetch(`${daemon!.url}/v1/events`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ event: "completed", id: key, data: { key } }),
        });
        if (response.status === 202 || response.status === 200) {
          accepted.add(key);
          return;
        }
      } catch {
        // the daemon died under us: retry with the same id once it is back
      }
      await sleep(20);
    }
  };
  // Paced to about 500 events/s, so the kills land while publishing is under way however
  // fast ingest is (unpaced, 2,000 events took 1.4 s and only two kills happened).
  const producers = Array.from({ length: 8 }, async () => {
    while (next < EVENTS) {
      await publishOne(`ev-${next++}`);
      await sleep(15);
    }
  });

  let kills = 0;
  const killer = (async () => {
    while (kills < KILLS && next < EVENTS) {
      await sleep(150 + rand() * 600);
      let done!: () => void;
      restarting = new Promise((resolve) => (done = resolve));
      daemon!.signal("SIGKILL");
      await daemon!.exited;
      kills++;
      daemon = await startDaemon(config.path);
      done();
    }
  })();

  await Promise.all([...producers, killer]);
  expect(accepted.size).toBe(EVENTS);
  await eventually(() => tally(receiver!.requests).keys.size === EVENTS, 60_000, "every accepted event delivered");
  const { duplicates, requests } = tally(receiver.requests);
  console.log(`crash test: ${EVENTS} events accepted, ${kills} SIGKILLs, ${requests} requests received, ${duplicates} duplicates (${((duplicates / EVENTS) * 100).toFixed(2)}%)`);
  expect(kills).toBeGreaterThanOrEqual(Math.min(KILLS, 3));
  for (const key of accepted) expect(tally(receiver.requests).keys.has(key)).toBe(true);
}, 300_000);

test("SIGTERM in the middle of a burst: after a graceful stop, duplicates come only from requests in flight", async () => {
  const CONCURRENCY = 4;
  // Each answer takes longer than shutdown_grace, so whatever is in flight at SIGTERM is cut off.
  receiver = startReceiver(async () => {
    await sleep(400);
    return new Response("ok");
  });
  const config = writeConfig(
    relayToml("{{db}}", receiver.url, { server: `shutdown_grace = "100ms"`, extra: `[delivery]\nbackoff = ["100ms"]\njitter = 0`, destination: `concurrency = ${CONCURRENCY}` }),
  );
  daemon = await startDaemon(config.path);
  const events = Array.from({ length: 40 }, (_, i) => ({ event: "completed", data: { key: `burst-${i}` } }));
  const response = await fetch(`${daemon.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  expect(response.status).toBe(202);
  await eventually(() => receiver!.requests.length >= 6, 10_000, "the burst under way");

  daemon.signal("SIGTERM");
  expect(await daemon.exited).toBe(0);
  const released = daemon.lines.filter((l) => l.msg === "delivery.released").length;
  expect(released).toBeLessThanOrEqual(CONCURRENCY);

  daemon = await startDaemon(config.path);
  await eventually(() => tally(receiver!.requests).keys.size === 40, 30_000, "the whole burst delivered after the restart");
  await sleep(600); // let any stray request land before counting
  const { duplicates } = tally(receiver.requests);
  console.log(`graceful stop: ${released} requests in flight were released, ${duplicates} duplicates`);
  expect(duplicates).toBeLessThanOrEqual(released);
}, 120_000);
