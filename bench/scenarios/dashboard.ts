// Dashboard pages on a 1,000,000-row outbox: each page's answer time (the median and the slowest
// of several loads), the overview's first, uncounted load included, and a /healthz sent while
// that count runs, to show it runs off the daemon's thread. Run alone with
// `bun bench/scenarios/dashboard.ts [rows]`; `npm run bench` reports it as rows of its table.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT, startHerald, stopAll } from "../lib/procs.ts";

const LOADS = 7;

async function timed(url: string): Promise<{ ms: number; status: number }> {
  const started = performance.now();
  const response = await fetch(url);
  await response.arrayBuffer();
  return { ms: performance.now() - started, status: response.status };
}

export async function dashboardPages(options: { rows: number }) {
  const dir = mkdtempSync(join(tmpdir(), "herald-dashboard-"));
  const dbPath = join(dir, "herald.db");
  Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/fill-outbox.ts`, dbPath, String(options.rows)]);
  const herald = await startHerald({ dbPath, toml: `[dashboard]\nenabled = true\n[[destinations]]\nname = "later"\nurl = "http://127.0.0.1:9/later"\n` });
  try {
    // The first overview counts 1,000,000 pending rows on the background thread; /healthz meanwhile.
    const first = timed(`${herald.url}/ui`);
    await Bun.sleep(5);
    const healthz = await timed(`${herald.url}/healthz`);
    const overviewFirst = await first;
    const listed = await (await fetch(`${herald.url}/ui/deliveries`)).text();
    const someId = /href="\/ui\/deliveries\/(dlv_[0-9A-Z]{26})"/.exec(listed)?.[1] ?? "dlv_unknown";
    const pages = [
      "/ui",
      "/ui/deliveries",
      "/ui/deliveries?status=pending",
      "/ui/deliveries?status=failed&since=24h",
      "/ui/deliveries?destination=later&since=2h",
      "/ui/deliveries?event=completed",
      // Filters nothing matches: the list then reads every row the other filters leave.
      "/ui/deliveries?event=nothing-has-this-name",
      "/ui/deliveries?source=nothing-came-from-here",
      "/ui/deliveries?event=nothing-has-this-name&since=10m",
      `/ui/deliveries?cursor=${someId}`,
      `/ui/deliveries/${someId}`,
      "/ui/destinations",
      "/ui/sources",
    ];
    const results = [];
    for (const path of pages) {
      const times: number[] = [];
      let status = 0;
      for (let i = 0; i < LOADS; i++) {
        const t = await timed(`${herald.url}${path}`);
        times.push(t.ms);
        status = t.status;
      }
      times.sort((a, b) => a - b);
      results.push({ path, status, loads: LOADS, medianMs: times[Math.floor(times.length / 2)]!, slowestMs: times.at(-1)! });
    }
    return { rows: options.rows, overviewFirstMs: overviewFirst.ms, healthzDuringCountMs: healthz.ms, pages: results };
  } finally {
    await herald.stop();
  }
}

if (import.meta.main) {
  const rows = Number(process.argv[2] ?? 1_000_000);
  try {
    console.log(JSON.stringify(await dashboardPages({ rows }), null, 2));
  } finally {
    await stopAll();
  }
}
