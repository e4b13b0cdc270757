// Deno against Bun: the same Herald measurements (single-event ingest, the outbox drain, latency
// at a steady rate) with the daemon on each runtime, as users run it (the compiled Bun binary,
// the Deno bundle), interleaved in the same minutes so the Deno/Bun ratios compare runtimes on
// the same machine speed. No baseline servers: the other rows already hold Herald on Bun
// against those.
import { medianRound } from "../lib/median.ts";
import { startServer, stopAll, type Runtime } from "../lib/procs.ts";
import { heraldDrain } from "./delivery.ts";
import { heraldIngest } from "./ingest.ts";
import { latency } from "./latency.ts";

export interface RuntimesOptions {
  concurrency: number;
  ingestMs: number;
  deliveries: number;
  deliveryWarmup: number;
  latencyRate: number;
  latencyMs: number;
  rounds: number;
}

/** Both runtimes, Bun first in odd rounds and Deno first in even ones, so neither always runs on a warmer machine. */
async function bothRuntimes<T>(round: number, measure: (runtime: Runtime) => Promise<T>): Promise<Record<Runtime, T>> {
  const order: Runtime[] = round % 2 === 0 ? ["bun", "deno"] : ["deno", "bun"];
  const results = {} as Record<Runtime, T>;
  for (const runtime of order) results[runtime] = await measure(runtime);
  return results;
}

export async function runtimes(options: RuntimesOptions) {
  let round = 0;
  const ingest = await medianRound(
    options.rounds,
    () => bothRuntimes(round++, (runtime) => heraldIngest({ concurrency: options.concurrency, durationMs: options.ingestMs, runtime })),
    (r) => r.deno.load.perSecond / r.bun.load.perSecond,
  );

  const receiver = await startServer("receiver.ts");
  round = 0;
  const delivery = await medianRound(
    options.rounds,
    () => bothRuntimes(round++, (runtime) => heraldDrain(receiver, options.deliveries, options.concurrency, { warmup: options.deliveryWarmup, runtime })),
    (r) => r.deno.perSecond / r.bun.perSecond,
  );
  await receiver.stop();

  // One round, as the latency row on Bun: 15 s a runtime.
  const latencies = await bothRuntimes(0, (runtime) => latency({ rate: options.latencyRate, durationMs: options.latencyMs, runtime }));
  return { ingest, delivery, latency: latencies };
}

if (import.meta.main) {
  // `bun bench/scenarios/runtimes.ts`: these rows alone, the table's lines and notes printed; BENCH_QUICK=1 as in run.ts.
  const { runtimeNotes, runtimeRows } = await import("../lib/runtime-rows.ts");
  const quick = process.env.BENCH_QUICK === "1";
  const result = await runtimes({ concurrency: 32, ingestMs: quick ? 1_333 : 4_000, deliveries: quick ? 10_000 : 40_000, deliveryWarmup: quick ? 5_000 : 20_000, latencyRate: 1_000, latencyMs: quick ? 3_333 : 10_000, rounds: 3 });
  for (const row of runtimeRows(result, 32, "the median of 3 rounds")) console.log(`| ${row.what} | ${row.herald} | ${row.baseline} | ${row.ratio} |`);
  console.log(`\n${runtimeNotes(result)}`);
  await stopAll();
  process.exit(0);
}
