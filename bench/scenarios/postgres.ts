// PostgreSQL beside SQLite: the ingest, batch, delivery and latency rows with the daemon on each
// backend, in interleaved rounds (SQLite first in odd rounds, PostgreSQL first in even ones),
// each Herald on a fresh database. The server is scripts/pg-test-server --durable: fsync and
// synchronous_commit on, so both sides' 202 mean the same thing.
import { medianRound } from "../lib/median.ts";
import { startPostgres, type BenchPostgres } from "../lib/postgres.ts";
import { startHerald, startServer, type Proc } from "../lib/procs.ts";
import { heraldBatches } from "./batch.ts";
import { destinationToml, heraldDrain } from "./delivery.ts";
import { heraldIngest, measured } from "./ingest.ts";
import { heraldLatency } from "./latency.ts";

export interface BackendOptions {
  concurrency: number;
  ingestMs: number;
  batchMs: number;
  deliveries: number;
  deliveryWarmup: number;
  latencyRate: number;
  latencyMs: number;
  rounds: number;
}

type Side = "sqlite" | "postgres";
/** Both sides of a round, in the order they run: SQLite first in odd rounds, PostgreSQL in even ones. */
const order = (round: number): Side[] => (round % 2 === 0 ? ["sqlite", "postgres"] : ["postgres", "sqlite"]);

/** Runs `measure` once per side in this round's order; undefined dbPath means a fresh SQLite file. */
async function bothSides(pg: BenchPostgres, round: number, measure: (dbPath: string | undefined) => Promise<number>) {
  const out = { sqlite: 0, postgres: 0 };
  for (const side of order(round)) out[side] = await measure(side === "postgres" ? await pg.freshDatabase() : undefined);
  return out;
}

/** The echo server, for the ingest ratio to the same baseline as the SQLite row. */
async function echoRate(concurrency: number, durationMs: number) {
  const echo = await startServer("echo.ts");
  const load = await measured(echo, concurrency, durationMs);
  await echo.stop();
  return load.perSecond;
}

async function latencyOn(dbPath: string | undefined, receiver: Proc, options: BackendOptions) {
  const herald = await startHerald({ toml: destinationToml(receiver.url, 64), dbPath });
  // The same 5 s warm-up as the SQLite latency row (scenarios/latency.ts says why).
  await heraldLatency(herald, receiver, options.latencyRate, 5_000);
  const result = await heraldLatency(herald, receiver, options.latencyRate, options.latencyMs);
  await herald.stop();
  return { p50: result.p50 ?? NaN, p99: result.p99 ?? NaN };
}

/** Each row's rounds; the median round by PostgreSQL / SQLite is reported, every round kept. */
export async function backends(options: BackendOptions, pg: BenchPostgres) {
  const ratio = (r: { sqlite: number; postgres: number }) => r.postgres / r.sqlite;
  let round = 0;
  const ingest = await medianRound(options.rounds, async () => {
    const baseline = await echoRate(options.concurrency, options.ingestMs);
    const sides = await bothSides(pg, round++, async (dbPath) => (await heraldIngest({ concurrency: options.concurrency, durationMs: options.ingestMs, dbPath })).load.perSecond);
    return { ...sides, baseline };
  }, ratio);

  round = 0;
  const batchOptions = { size: 500, durationMs: options.batchMs, concurrency: 2 };
  const batch = await medianRound(options.rounds, () => bothSides(pg, round++, (dbPath) => heraldBatches(batchOptions, dbPath)), ratio);

  const receiver = await startServer("receiver.ts");
  round = 0;
  const delivery = await medianRound(options.rounds, () =>
    bothSides(pg, round++, async (dbPath) => (await heraldDrain(receiver, options.deliveries, options.concurrency, { dbPath, warmup: options.deliveryWarmup })).perSecond),
  ratio);

  // One round each, as the SQLite latency row: SQLite, then PostgreSQL.
  const latency = { sqlite: await latencyOn(undefined, receiver, options), postgres: await latencyOn(await pg.freshDatabase(), receiver, options) };
  await receiver.stop();
  return { ingest, batch, delivery, latency };
}

if (import.meta.main) {
  const pg = await startPostgres();
  try {
    const result = await backends({ concurrency: 32, ingestMs: 4_000, batchMs: 5_000, deliveries: 40_000, deliveryWarmup: 20_000, latencyRate: 1_000, latencyMs: 10_000, rounds: 3 }, pg);
    console.log(JSON.stringify(result, null, 1));
  } finally {
    await pg.stop();
  }
}
