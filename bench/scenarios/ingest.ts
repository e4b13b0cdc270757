// Ingest: durable publish throughput (a 202 only after the commit), one event a request, against
// a bare Hono-on-Bun JSON echo server driven by the same load generator and concurrency.
// Each event also gets its delivery row; the destination is paced to one request an hour so the
// scheduler does not compete for the CPU while ingest is measured.
import { closedLoop, type LoadResult } from "../lib/load.ts";
import { medianRound } from "../lib/median.ts";
import { cpuPerItem, startHerald, startServer, type Proc, type Runtime } from "../lib/procs.ts";
import { cpuTicks, idleShare } from "../lib/steal.ts";

export const PAYLOAD = { event: "completed", data: { task_id: "task_abc123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5 } };
/** The destination ingest measurements publish to: paced to one request an hour (to a closed port), so the scheduler stays out of the way. */
export const PARKED = `[[destinations]]\nname = "parked"\nurl = "http://127.0.0.1:9/hook"\nrate_limit = "1/1h"\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["parked"]\n`;

export async function publishLoad(url: string, concurrency: number, durationMs: number): Promise<LoadResult> {
  const body = JSON.stringify(PAYLOAD);
  return closedLoop({
    concurrency,
    durationMs,
    send: async () => {
      const response = await fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body });
      await response.arrayBuffer();
      return response.status === 202;
    },
  });
}

/**
 * One second of warm-up, then the measured load, with the CPU the server used per request (all
 * threads, and its main thread) and the share of the machine's CPU left idle meanwhile.
 */
export async function measured(server: Proc, concurrency: number, durationMs: number) {
  await publishLoad(server.url, concurrency, 1_000);
  const before = server.cpu();
  const machineBefore = cpuTicks();
  const load = await publishLoad(server.url, concurrency, durationMs);
  const machineIdle = idleShare(machineBefore, cpuTicks());
  return { ...load, cpu: cpuPerItem(before, server.cpu(), load.requests), machineIdle };
}

/** Herald on a fresh database (or `dbPath`) with `toml` for destinations and routes (the parked destination unless given): the measured load, and the RSS at its end. */
export async function heraldIngest(options: { concurrency: number; durationMs: number; runtime?: Runtime; dbPath?: string }, toml = PARKED) {
  const herald = await startHerald({ toml, runtime: options.runtime, dbPath: options.dbPath });
  const load = await measured(herald, options.concurrency, options.durationMs);
  const rss = herald.rssBytes();
  await herald.stop();
  return { load, rss };
}

type Measured = Awaited<ReturnType<typeof measured>>;
interface IngestRound {
  baseline: Measured;
  floor: Measured;
  herald: Measured;
}

/** One round: the echo server, the floor and Herald, one after the other, each on its own. */
async function ingestRound(options: { concurrency: number; durationMs: number }): Promise<IngestRound & { heraldRss: number }> {
  const echo = await startServer("echo.ts");
  const baseline = await measured(echo, options.concurrency, options.durationMs);
  await echo.stop();

  // The floor: the echo server plus Herald's durable storage and nothing else.
  const durable = await startServer("durable-echo.ts");
  const floor = await measured(durable, options.concurrency, options.durationMs);
  await durable.stop();

  const herald = await heraldIngest(options);
  return { baseline, floor, herald: herald.load, heraldRss: herald.rss };
}

/**
 * `rounds` interleaved rounds. One measurement on these shared machines varies by a quarter
 * from one minute to the next, so the figures reported are those of the median round (by
 * Herald's ratio to the echo server), and every round is kept to show the spread.
 */
export async function ingest(options: { concurrency: number; durationMs: number; rounds: number }) {
  const median = await medianRound(options.rounds, () => ingestRound(options), (r) => r.herald.perSecond / r.baseline.perSecond);
  return { ...median, heraldRss: Math.max(...median.rounds.map((r) => r.heraldRss)) };
}

if (import.meta.main) {
  const result = await ingest({ concurrency: 32, durationMs: 4_000, rounds: 3 });
  console.log(JSON.stringify(result, null, 1));
}
