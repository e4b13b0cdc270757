// API pages on a 1,000,000-row outbox: the answer time of the first page and of filtered pages
// of GET /v1/events and GET /v1/deliveries (the slowest of 20 calls each), and the publish
// latency while those calls run, against the same publishes with no call running: a page
// holds the daemon's thread for as long as its query runs, so it must stay short.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { closedLoop } from "../lib/load.ts";
import { ROOT, startHerald } from "../lib/procs.ts";

const LATER = `[[destinations]]\nname = "later"\nurl = "http://127.0.0.1:9/later"\nrate_limit = "1/1h"\n`;
const CALLS = 20;

export const API_PAGES = [
  "/v1/events",
  "/v1/events?name=failed",
  "/v1/events?name=completed&since=2h&until=30m",
  "/v1/events?limit=500&cursor={{middle}}",
  "/v1/deliveries",
  "/v1/deliveries?destination=later&status=pending",
  "/v1/deliveries?event=failed",
  // Matches nothing: found absent in events_name, not by walking every delivery.
  "/v1/deliveries?event=no-such-event",
  "/v1/deliveries?event=completed&status=pending",
  "/v1/deliveries?status=failed",
] as const;

export async function apiPages(options: { rows: number }) {
  const dir = mkdtempSync(join(tmpdir(), "herald-api-pages-"));
  const dbPath = join(dir, "herald.db");
  Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/fill-outbox.ts`, dbPath, String(options.rows)]);
  const herald = await startHerald({ dbPath, toml: LATER });
  // A rarer name among the million "completed" events: a filter that must not scan the rest.
  const events = Array.from({ length: 1000 }, (_, i) => ({ event: "failed", data: { i } }));
  await fetch(`${herald.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
  const middle = ((await (await fetch(`${herald.url}/v1/events?limit=500&until=50m`)).json()) as { next_cursor: string }).next_cursor;

  const publish = () => closedLoop({ concurrency: 4, durationMs: 3_000, send: async (i) => (await fetch(`${herald.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "completed", data: { i } }) })).status === 202 });
  const quiet = await publish();

  const pages: Array<{ path: string; slowestMs: number; medianMs: number; rows: number }> = [];
  const measuring = (async () => {
    for (const template of API_PAGES) {
      const path = template.replace("{{middle}}", middle);
      const times: number[] = [];
      let rows = 0;
      for (let i = 0; i < CALLS; i++) {
        const t = performance.now();
        const body = (await (await fetch(`${herald.url}${path}`)).json()) as { events?: unknown[]; deliveries?: unknown[] };
        times.push(performance.now() - t);
        rows = (body.events ?? body.deliveries ?? []).length;
      }
      times.sort((a, b) => a - b);
      pages.push({ path, slowestMs: times.at(-1)!, medianMs: times[CALLS / 2]!, rows });
    }
  })();
  const [busy] = await Promise.all([publish(), measuring]);
  await herald.stop();
  return { pages, publishQuiet: { p50Ms: quiet.p50Ms, p99Ms: quiet.p99Ms }, publishDuringPages: { p50Ms: busy.p50Ms, p99Ms: busy.p99Ms } };
}

if (import.meta.main) console.log(JSON.stringify(await apiPages({ rows: Number(process.env.BENCH_ROWS ?? 1_000_000) }), null, 2));
