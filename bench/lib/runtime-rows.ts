// The Deno rows of the table and their notes (scenarios/runtimes.ts): Herald on Deno in the
// "Herald" column, Herald on Bun in the same minutes as the baseline, and the Deno/Bun ratio.
// They have no target: they say what the second runtime costs, measured rather than assumed.
import type { runtimes } from "../scenarios/runtimes.ts";
import { fmt, mb, type Row } from "./format.ts";
import type { CpuTime } from "./procs.ts";

type Result = Awaited<ReturnType<typeof runtimes>>;

const onBun = (text: string) => `${text} (Herald on Bun, same minutes)`;

export function runtimeRows(r: Result, concurrency: number, roundsNote: string): Row[] {
  const ratio = (deno: number | null, bun: number | null) => fmt((deno ?? NaN) / (bun ?? NaN), 2);
  const ms = (value: number | null) => `${fmt(value ?? NaN, 1)} ms`;
  return [
    {
      what: `Deno/Bun: ingest (single-event requests, ${concurrency} concurrent; ${roundsNote})`,
      herald: `${fmt(r.ingest.deno.load.perSecond)} req/s`,
      baseline: onBun(`${fmt(r.ingest.bun.load.perSecond)} req/s`),
      ratio: ratio(r.ingest.deno.load.perSecond, r.ingest.bun.load.perSecond),
      target: "-",
      holds: undefined,
    },
    {
      what: `Deno/Bun: delivery (loopback receiver, ${concurrency} concurrent; ${roundsNote})`,
      herald: `${fmt(r.delivery.deno.perSecond)} deliveries/s`,
      baseline: onBun(`${fmt(r.delivery.bun.perSecond)} deliveries/s`),
      ratio: ratio(r.delivery.deno.perSecond, r.delivery.bun.perSecond),
      target: "-",
      holds: undefined,
    },
    ...(["p50", "p99"] as const).map((p) => ({
      what: `Deno/Bun: latency at 1,000 events/s, ${p}`,
      herald: ms(r.latency.deno[p]),
      baseline: onBun(ms(r.latency.bun[p])),
      ratio: ratio(r.latency.deno[p], r.latency.bun[p]),
      target: "-",
      holds: undefined,
    })),
  ];
}

/** Every round's ratios, and where the time goes on each runtime (CPU per item, RSS). */
export function runtimeNotes(r: Result): string {
  const list = (values: number[]) => values.map((v) => fmt(v, 2)).join(", ");
  const cpu = (c: CpuTime) => `${fmt(c.process)} µs (${fmt(c.mainThread)} µs)`;
  return [
    `Herald on Deno (${process.env.BENCH_FROM_SOURCE ? "`src/main.ts`" : "the bundle, `dist/deno/main.js`"}, run with \`deno run -A\`) against ${process.env.BENCH_FROM_SOURCE ? "`src/main.ts` on Bun" : "the compiled Bun binary"}, one after the other in each round (Bun first in odd rounds, Deno first in even ones). No baseline servers: the rows above hold Herald on Bun against those.`,
    "",
    "| item | Deno | Bun | Deno/Bun |",
    "|---|---|---|---|",
    `| CPU a single-event publish, all threads (JavaScript thread) | ${cpu(r.ingest.deno.load.cpu)} | ${cpu(r.ingest.bun.load.cpu)} | ${fmt(r.ingest.deno.load.cpu.process / r.ingest.bun.load.cpu.process, 2)} |`,
    `| CPU a delivery, all threads (JavaScript thread) | ${cpu(r.delivery.deno.cpu)} | ${cpu(r.delivery.bun.cpu)} | ${fmt(r.delivery.deno.cpu.process / r.delivery.bun.cpu.process, 2)} |`,
    `| CPU the receiver spent a delivery | ${fmt(r.delivery.deno.receiverCpu.process)} µs | ${fmt(r.delivery.bun.receiverCpu.process)} µs | ${fmt(r.delivery.deno.receiverCpu.process / r.delivery.bun.receiverCpu.process, 2)} |`,
    `| RSS at the end of the ingest load | ${mb(r.ingest.deno.rss)} | ${mb(r.ingest.bun.rss)} | ${fmt(r.ingest.deno.rss / r.ingest.bun.rss, 2)} |`,
    "",
    `Deno/Bun in every round, in the order they ran: ingest ${list(r.ingest.rounds.map((x) => x.deno.load.perSecond / x.bun.load.perSecond))}; delivery ${list(r.delivery.rounds.map((x) => x.deno.perSecond / x.bun.perSecond))}. Latency is one round each. On Deno every delivery opens a connection of its own (docs/runtimes.md, difference 4), which the receiver's CPU a delivery shows too.`,
  ].join("\n");
}
