// Ordering and pacing on the real daemon, measured where it matters: at the receiver, in real
// time, through retries, a SIGKILL and a restart.
import { afterEach, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";
import { sleep } from "../helpers/process.ts";

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
});

const batch = (keys: number[]) => ({ events: keys.map((n) => ({ event: "completed", data: { n } })) });

test("ordered = true keeps strict arrival order through failures, retries, a SIGKILL and a restart", async () => {
  let calls = 0;
  // Every third request fails with a 500, so the head is retried again and again.
  receiver = startReceiver(async () => {
    await sleep(5);
    return new Response("", { status: ++calls % 3 === 0 ? 500 : 200 });
  });
  const config = writeConfig(relayToml("{{db}}", receiver.url, { extra: `[delivery]\nbackoff = ["20ms"]\njitter = 0\nmax_attempts = 50`, destination: "ordered = true" }));
  daemon = await startDaemon(config.path);
  const post = (keys: number[]) => fetch(`${daemon!.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch(keys)) });
  expect((await post(Array.from({ length: 60 }, (_, i) => i))).status).toBe(202);
  await eventually(() => receiver!.requests.length >= 20, 10_000, "delivery under way");
  daemon.signal("SIGKILL");
  await daemon.exited;
  daemon = await startDaemon(config.path);
  expect((await post(Array.from({ length: 20 }, (_, i) => 60 + i))).status).toBe(202);

  const succeeded = () => receiver!.requests.filter((_, i) => (i + 1) % 3 !== 0).map((r) => JSON.parse(r.body).data.n as number);
  await eventually(() => new Set(succeeded()).size === 80, 30_000, "all 80 delivered");
  // What the receiver accepted, in the order it accepted it: never a later event before an
  // earlier one (a request cut off by the kill may be accepted twice in a row).
  const order = succeeded();
  for (let i = 1; i < order.length; i++) expect(order[i]!).toBeGreaterThanOrEqual(order[i - 1]!);
  // And nothing was ever sent ahead of an undelivered predecessor: at most one in flight.
  const sent = receiver.requests.map((r) => JSON.parse(r.body).data.n as number);
  for (let i = 1; i < sent.length; i++) expect(sent[i]! - sent[i - 1]!).toBeLessThanOrEqual(1);
}, 60_000);

test("rate_limit and concurrency hold under a burst, measured at the receiver", async () => {
  let open = 0;
  let peak = 0;
  receiver = startReceiver(async () => {
    peak = Math.max(peak, ++open);
    await sleep(30 + Math.random() * 40);
    open--;
    return new Response("ok");
  });
  const config = writeConfig(relayToml("{{db}}", receiver.url, { destination: `rate_limit = "20/1s"\nconcurrency = 3` }));
  daemon = await startDaemon(config.path);
  const response = await fetch(`${daemon.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(batch(Array.from({ length: 80 }, (_, i) => i))) });
  expect(response.status).toBe(202);
  await eventually(() => receiver!.requests.length === 80, 30_000, "the burst delivered");
  const arrivals = receiver.requests.map((r) => r.at).sort((a, b) => a - b);
  let busiest = 0;
  for (let i = 0, j = 0; i < arrivals.length; i++) {
    while (arrivals[i]! - arrivals[j]! >= 1_000) j++;
    busiest = Math.max(busiest, i - j + 1);
  }
  console.log(`burst of 80 at rate_limit 20/1s, concurrency 3: at most ${busiest} arrivals in any second, ${peak} in flight at once, ${arrivals.at(-1)! - arrivals[0]!} ms from first to last`);
  expect(busiest).toBeLessThanOrEqual(20);
  expect(peak).toBeLessThanOrEqual(3);
  expect(peak).toBe(3);
}, 60_000);
