// Batch ingest: /v1/events/batch with 500 events a request, against raw bun:sqlite inserts of
// the same rows at the same durability and batch size.
import { closedLoop } from "../lib/load.ts";
import { ROOT, startHerald } from "../lib/procs.ts";
import { PARKED, PAYLOAD } from "./ingest.ts";

export async function batch(options: { size: number; durationMs: number; concurrency: number }) {
  const raw = Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/raw-sqlite.ts`, String(options.size), String(options.durationMs)], { env: process.env });
  const baseline = JSON.parse(raw.stdout.toString()) as { eventsPerSecond: number };

  const herald = await startHerald({ toml: PARKED });
  const body = JSON.stringify({ events: Array.from({ length: options.size }, () => PAYLOAD) });
  const send = async () => {
    const response = await fetch(`${herald.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body });
    await response.arrayBuffer();
    return response.status === 202;
  };
  await closedLoop({ concurrency: options.concurrency, durationMs: 1_000, send });
  const result = await closedLoop({ concurrency: options.concurrency, durationMs: options.durationMs, send });
  await herald.stop();
  return { heraldEventsPerSecond: result.perSecond * options.size, baselineEventsPerSecond: baseline.eventsPerSecond, requests: result.requests };
}

if (import.meta.main) console.log(await batch({ size: 500, durationMs: 5_000, concurrency: 2 }));
