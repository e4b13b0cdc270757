// Batch ingest: /v1/events/batch with 500 events a request, against raw bun:sqlite inserts of
// the same rows at the same durability and batch size.
import { closedLoop } from "../lib/load.ts";
import { medianRound } from "../lib/median.ts";
import { ROOT, startHerald } from "../lib/procs.ts";
import { PARKED, PAYLOAD } from "./ingest.ts";

export interface BatchOptions {
  size: number;
  durationMs: number;
  concurrency: number;
}

/** The baseline: raw inserts in a process of their own, for the same duration. */
function rawInserts(options: BatchOptions): number {
  const raw = Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/raw-sqlite.ts`, String(options.size), String(options.durationMs)], { env: process.env });
  return (JSON.parse(raw.stdout.toString()) as { eventsPerSecond: number }).eventsPerSecond;
}

/** Herald on a fresh database (or `dbPath`): one second of warm-up, then the measured batches. */
export async function heraldBatches(options: BatchOptions, dbPath?: string): Promise<number> {
  const herald = await startHerald({ toml: PARKED, dbPath });
  const body = JSON.stringify({ events: Array.from({ length: options.size }, () => PAYLOAD) });
  const send = async () => {
    const response = await fetch(`${herald.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body });
    await response.arrayBuffer();
    return response.status === 202;
  };
  await closedLoop({ concurrency: options.concurrency, durationMs: 1_000, send });
  const result = await closedLoop({ concurrency: options.concurrency, durationMs: options.durationMs, send });
  await herald.stop();
  return result.perSecond * options.size;
}

/**
 * `rounds` interleaved rounds of the baseline and Herald. Herald's rate moved by a quarter
 * between two runs a minute apart (bench/README.md), so the row reports the median round by
 * Herald's ratio, and keeps every round to show the spread.
 */
export async function batch(options: BatchOptions & { rounds: number }) {
  // The baseline first, then Herald: properties are evaluated in the order written.
  const round = async () => ({ baselineEventsPerSecond: rawInserts(options), heraldEventsPerSecond: await heraldBatches(options) });
  return medianRound(options.rounds, round, (r) => r.heraldEventsPerSecond / r.baselineEventsPerSecond);
}

if (import.meta.main) console.log(await batch({ size: 500, durationMs: 5_000, concurrency: 2, rounds: 3 }));
