// Delivery: sustained deliveries/s from Herald's outbox to a loopback receiver, against a bare
// Bun fetch loop to the same receiver at the same concurrency. Herald first stores the events
// with the destination parked, then restarts unparked, and the receiver times the drain.
import { medianRound } from "../lib/median.ts";
import { cpuPerItem, ROOT, startHerald, startServer, type CpuTime, type Proc, type Runtime } from "../lib/procs.ts";
import { PAYLOAD } from "./ingest.ts";

export const receiverStats = async (receiver: Proc) =>
  (await (await fetch(`${receiver.url}/stats`)).json()) as { count: number; first: number; last: number; p50: number | null; p99: number | null; markedAt: number };
/** Clears the receiver's figures; `mark` makes it note when that many arrivals are in (markedAt). */
export const resetReceiver = (receiver: Proc, mark = 0) => fetch(`${receiver.url}/reset?mark=${mark}`, { method: "POST" });

/**
 * Waits until the receiver has counted exactly `expected` arrivals and returns its figures. More,
 * or fewer by the deadline, is an error: a figure from a partial or mixed set would be wrong
 * (percentiles of a partial set leave out exactly the slow arrivals).
 */
export async function waitForArrivals(receiver: Proc, expected: number, label: string, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const stats = await receiverStats(receiver);
    if (stats.count === expected) return stats;
    if (stats.count > expected || Date.now() > deadline) throw new Error(`${label}: expected ${expected} arrivals, the receiver counted ${stats.count}`);
    await Bun.sleep(20);
  }
}

export function destinationToml(url: string, concurrency: number, extra = "") {
  return `[[destinations]]\nname = "recv"\nurl = "${url}/hook"\nconcurrency = ${concurrency}\n${extra}\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["recv"]\n`;
}

/** Stores `total` events in batches of 500. */
export async function preload(url: string, total: number, data: Record<string, unknown> = PAYLOAD.data) {
  const body = JSON.stringify({ events: Array.from({ length: 500 }, () => ({ event: "completed", data })) });
  for (let stored = 0; stored < total; stored += 500) {
    const response = await fetch(`${url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body });
    if (response.status !== 202) throw new Error(`preload: ${response.status} ${await response.text()}`);
  }
}

/**
 * Herald drains `total` stored deliveries into the receiver. Deliveries/s and the CPU Herald and
 * the receiver used per delivery are taken from the `warmup`th arrival on (at least the first):
 * Herald's start-up, and the seconds in which the runtime is still compiling the hot code on its
 * JIT threads, are left out, so the figure is the sustained rate.
 */
export async function heraldDrain(
  receiver: Proc,
  total: number,
  concurrency: number,
  options: { dbPath?: string; extraToml?: string; warmup?: number; runtime?: Runtime } = {},
): Promise<{ perSecond: number; db: string; cpu: CpuTime; receiverCpu: CpuTime }> {
  const extraToml = options.extraToml ?? "";
  await resetReceiver(receiver);
  const parked = await startHerald({ dbPath: options.dbPath, toml: destinationToml(receiver.url, concurrency, `rate_limit = "1/1h"`) + extraToml });
  await preload(parked.url, total);
  await parked.stop();
  // The parked lane lets one request through per hour: count it out of the drain. Anything more
  // means the receiver counted someone else's requests, and the figure would be theirs.
  const early = (await receiverStats(receiver)).count;
  if (early > 1) throw new Error(`heraldDrain: the receiver counted ${early} requests before the drain; expected at most 1`);
  const mark = Math.max(1, options.warmup ?? 0);
  await resetReceiver(receiver, mark);
  // The events are stored by Herald on Bun either way; `runtime` is the one that drains them.
  const herald = await startHerald({ dbPath: parked.db, toml: destinationToml(receiver.url, concurrency) + extraToml, runtime: options.runtime });
  // The receiver times the mark itself; this poll only places the CPU readings (with the count
  // at that moment), so it can be coarse instead of costing the warm-up a request a millisecond.
  let markCount = 0;
  while ((markCount = (await receiverStats(receiver)).count) < mark) await Bun.sleep(10);
  const [heraldBefore, receiverBefore] = [herald.cpu(), receiver.cpu()];
  const stats = await waitForArrivals(receiver, total - early, "heraldDrain");
  const counted = stats.count - markCount;
  const cpu = cpuPerItem(heraldBefore, herald.cpu(), counted);
  const receiverCpu = cpuPerItem(receiverBefore, receiver.cpu(), counted);
  await herald.stop();
  return { perSecond: (stats.count - mark) / ((stats.last - stats.markedAt) / 1000), db: parked.db, cpu, receiverCpu };
}

/** Runs one of the loop scripts (fetch-loop.ts, outbox-loop.ts) against the receiver, which must count every request. */
async function runLoop(script: string, receiver: Proc, options: DeliveryOptions) {
  await resetReceiver(receiver);
  const run = Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/${script}`, `${receiver.url}/hook`, String(options.total), String(options.concurrency), String(options.warmup)], { env: process.env });
  if (run.exitCode !== 0) throw new Error(`${script}: ${run.stderr.toString()}`);
  await waitForArrivals(receiver, options.total, script);
  return JSON.parse(run.stdout.toString()) as { perSecond: number; cpu: CpuTime };
}

/** `total` requests or deliveries each; the rates and CPU figures count those after the first `warmup`. */
export interface DeliveryOptions {
  total: number;
  warmup: number;
  concurrency: number;
}

/** One round: the fetch loop, the floor and Herald, one after the other, to the same receiver. */
async function deliveryRound(receiver: Proc, options: DeliveryOptions) {
  const receiverBefore = receiver.cpu();
  const baseline = await runLoop("fetch-loop.ts", receiver, options);
  // Over the loop's whole run, warm-up included (it runs as one synchronous spawn).
  const baselineReceiverCpu = cpuPerItem(receiverBefore, receiver.cpu(), options.total);
  // The floor: the same loop plus Herald's storage work per delivery and nothing else.
  const floor = await runLoop("outbox-loop.ts", receiver, options);
  const herald = await heraldDrain(receiver, options.total, options.concurrency, { warmup: options.warmup });
  return {
    herald: herald.perSecond,
    baseline: baseline.perSecond,
    floor: floor.perSecond,
    cpu: { herald: herald.cpu, heraldReceiver: herald.receiverCpu, baseline: baseline.cpu, baselineReceiver: baselineReceiverCpu, floor: floor.cpu },
  };
}

/** `rounds` interleaved rounds; the figures are the median round's (by Herald's ratio), as for ingest, and every round is kept. */
export async function delivery(options: DeliveryOptions & { rounds: number }) {
  const receiver = await startServer("receiver.ts");
  const median = await medianRound(options.rounds, () => deliveryRound(receiver, options), (r) => r.herald / r.baseline);
  await receiver.stop();
  return median;
}

if (import.meta.main) console.log(await delivery({ total: 40_000, warmup: 20_000, concurrency: 32, rounds: 3 }));
