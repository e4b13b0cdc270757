// `npm run bench`: every scenario, each against its baseline measured in the same run, then a
// table of Herald's figure, the baseline, their ratio and the target. Writes bench/results.md.
import { cpus, loadavg, totalmem, release, tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, mb, type Row } from "./lib/format.ts";
import { startPostgres, type BenchPostgres } from "./lib/postgres.ts";
import { postgresNotes, postgresRows } from "./lib/postgres-rows.ts";
import { ROOT, stopAll } from "./lib/procs.ts";
import { runtimeNotes, runtimeRows } from "./lib/runtime-rows.ts";
import { cpuTicks, stolenShare } from "./lib/steal.ts";
import { apiPages } from "./scenarios/api-pages.ts";
import { backlog } from "./scenarios/backlog.ts";
import { batch } from "./scenarios/batch.ts";
import { dashboardPages } from "./scenarios/dashboard.ts";
import { delivery } from "./scenarios/delivery.ts";
import { digest } from "./scenarios/digest.ts";
import { ingest } from "./scenarios/ingest.ts";
import { hangingDns } from "./scenarios/hanging-dns.ts";
import { latency } from "./scenarios/latency.ts";
import { peer } from "./scenarios/peer.ts";
import { backends } from "./scenarios/postgres.ts";
import { postgresBacklog } from "./scenarios/postgres-backlog.ts";
import { runtimes } from "./scenarios/runtimes.ts";

const QUICK = process.env.BENCH_QUICK === "1";
/** The issue's ratio targets the table, the floors and the CPU budget are measured against. */
const INGEST_TARGET = 0.4;
const DELIVERY_TARGET = 0.5;
/** Deliveries each side makes before the clock starts (and as many again while it runs). */
const DELIVERY_WARMUP = QUICK ? 5_000 : 20_000;
/** A host share of the CPU from which a scenario's figures are flagged as disturbed. */
const STEAL_WARNING = 0.1;
/** Publishers at once (closed loop) in the ingest, delivery and latency rows. */
const CONCURRENCY = 32;
/** Interleaved rounds of baseline, floor and Herald for the ingest and delivery rows (see their scenarios). */
const MEASURED_ROUNDS = QUICK ? 1 : 3;
const ROUNDS_NOTE = MEASURED_ROUNDS === 1 ? "one round" : `the median of ${MEASURED_ROUNDS} rounds`;
/** More publishers at once than the table's row: how the ratio moves as commit groups grow. */
const WIDE_CONCURRENCY = 128;
const seconds = (s: number) => (QUICK ? Math.max(1, s / 3) : s) * 1000;
/** Rows of the backlog scenarios; BENCH_PG_BACKLOG_ROWS sets PostgreSQL's alone (its fill is the slow part of a quick run). */
const BACKLOG_ROWS = QUICK ? 200_000 : 1_000_000;
const PG_BACKLOG_ROWS = Number(process.env.BENCH_PG_BACKLOG_ROWS ?? BACKLOG_ROWS);
/** The PostgreSQL server of the PostgreSQL rows, started by main() and stopped at the end. */
let pg: BenchPostgres | undefined;
/** The 1-minute load average when the run began, for results.md (other users of the machine show in it). */
const loadAtStart = loadavg();

const rows: Row[] = [];
const log = (text: string) => console.error(`[bench] ${text}`);
/** The host's share of the CPU during each scenario (see lib/steal.ts), in the order they ran. */
const stolen: Array<{ scenario: string; share: number }> = [];
/** Runs one scenario, noting how much of the CPU the host took meanwhile. */
async function scenario<T>(name: string, run: () => Promise<T>): Promise<T> {
  log(name);
  const before = cpuTicks();
  const result = await run();
  const share = stolenShare(before, cpuTicks());
  stolen.push({ scenario: name.split(":")[0]!, share });
  if (share >= STEAL_WARNING) log(`the host took ${fmt(share * 100, 0)} % of the CPU during this scenario: its ratios compare sides that ran at different speeds`);
  return result;
}

async function main() {
  if (!existsSync(join(ROOT, "dist/herald"))) {
    log("building the binary (npm run build)");
    spawnSync("npm", ["run", "build"], { cwd: ROOT, stdio: "ignore" });
  }
  if (!existsSync(join(ROOT, "dist/deno/main.js"))) {
    log("building the Deno bundle (npm run build:deno)");
    spawnSync("npm", ["run", "build:deno"], { cwd: ROOT, stdio: "ignore", env: { ...process.env, PATH: `${join(ROOT, "node_modules/.bin")}:${process.env.PATH}` } });
  }
  const started = Date.now();

  const ing = await scenario("ingest: Herald vs a bare Hono echo server", () => ingest({ concurrency: CONCURRENCY, durationMs: seconds(4), rounds: MEASURED_ROUNDS }));
  rows.push({
    what: `ingest (single-event requests, ${CONCURRENCY} concurrent; ${ROUNDS_NOTE})`,
    herald: `${fmt(ing.herald.perSecond)} req/s`,
    baseline: `${fmt(ing.baseline.perSecond)} req/s (Hono echo)`,
    ratio: fmt(ing.herald.perSecond / ing.baseline.perSecond, 2),
    target: `>= ${fmt(INGEST_TARGET, 2)}`,
    holds: ing.herald.perSecond / ing.baseline.perSecond >= INGEST_TARGET,
  });

  const wide = await scenario(`ingest with ${WIDE_CONCURRENCY} publishers (not in the table)`, () => ingest({ concurrency: WIDE_CONCURRENCY, durationMs: seconds(4), rounds: 1 }));

  const bat = await scenario("batch ingest: 500 events a request vs raw bun:sqlite inserts", () => batch({ size: 500, durationMs: seconds(5), concurrency: 2, rounds: MEASURED_ROUNDS }));
  rows.push({
    what: `batch ingest (500 events a request; ${ROUNDS_NOTE})`,
    herald: `${fmt(bat.heraldEventsPerSecond)} events/s`,
    baseline: `${fmt(bat.baselineEventsPerSecond)} events/s (raw bun:sqlite)`,
    ratio: fmt(bat.heraldEventsPerSecond / bat.baselineEventsPerSecond, 2),
    target: ">= 0.60",
    holds: bat.heraldEventsPerSecond / bat.baselineEventsPerSecond >= 0.6,
  });

  const del = await scenario("delivery: Herald's outbox drain vs a bare fetch loop", () => delivery({ total: 2 * DELIVERY_WARMUP, warmup: DELIVERY_WARMUP, concurrency: CONCURRENCY, rounds: MEASURED_ROUNDS }));
  rows.push({
    what: `delivery (loopback receiver, ${CONCURRENCY} concurrent; ${ROUNDS_NOTE})`,
    herald: `${fmt(del.herald)} deliveries/s`,
    baseline: `${fmt(del.baseline)} req/s (bare fetch loop)`,
    ratio: fmt(del.herald / del.baseline, 2),
    target: `>= ${fmt(DELIVERY_TARGET, 2)}`,
    holds: del.herald / del.baseline >= DELIVERY_TARGET,
  });

  const lat = await scenario("latency at 1,000 events/s", () => latency({ rate: 1_000, durationMs: seconds(10) }));
  rows.push({ what: "latency at 1,000 events/s, p50", herald: `${fmt(lat.p50 ?? NaN, 1)} ms`, baseline: "-", ratio: "-", target: "<= 5 ms", holds: (lat.p50 ?? Infinity) <= 5 });
  rows.push({ what: "latency at 1,000 events/s, p99", herald: `${fmt(lat.p99 ?? NaN, 1)} ms`, baseline: "-", ratio: "-", target: "<= 25 ms", holds: (lat.p99 ?? Infinity) <= 25 });

  const crawlPages = QUICK ? 3_000 : 10_000;
  const dig = await scenario(`digest: a ${fmt(crawlPages)}-page crawl to a Discord fake at Discord's limits, in real time`, () => digest({ pages: crawlPages }));
  const oneEachMinutes = crawlPages / 30;
  rows.push({
    what: `digest: ${fmt(crawlPages)} on_find events to one Discord webhook`,
    herald: `${fmt(dig.seconds / 60, 1)} min, ${fmt(dig.messages)} messages, ${dig.rateLimited} 429s${dig.inOrder ? "" : ", pages missing or out of order"}`,
    baseline: `one message per event at 30 a minute: ${fmt(oneEachMinutes)} min`,
    ratio: fmt(dig.seconds / 60 / oneEachMinutes, 3),
    target: "< 15 min, zero 429s, every page once in order",
    holds: dig.seconds < 15 * 60 && dig.rateLimited === 0 && dig.rejected === 0 && dig.inOrder,
  });

  pg = await startPostgres();
  const pgServer = await pg.describe();
  const onPg = await scenario("PostgreSQL: ingest, batch, delivery and latency beside SQLite", () =>
    backends({ concurrency: CONCURRENCY, ingestMs: seconds(4), batchMs: seconds(5), deliveries: 2 * DELIVERY_WARMUP, deliveryWarmup: DELIVERY_WARMUP, latencyRate: 1_000, latencyMs: seconds(10), rounds: MEASURED_ROUNDS }, pg!),
  );

  const rt = await scenario("Deno: ingest, delivery and latency with the daemon on each runtime", () =>
    runtimes({ concurrency: CONCURRENCY, ingestMs: seconds(4), deliveries: 2 * DELIVERY_WARMUP, deliveryWarmup: DELIVERY_WARMUP, latencyRate: 1_000, latencyMs: seconds(10), rounds: MEASURED_ROUNDS }),
  );
  rows.push(...runtimeRows(rt, CONCURRENCY, ROUNDS_NOTE));

  const dns = await scenario("publish with 8 inline hosts hanging in DNS", () => hangingDns({ rate: 1_000, durationMs: seconds(10), hanging: 8 }));
  rows.push({
    what: "publish p99 at 1,000 events/s, 8 hanging DNS names in flight",
    herald: `${fmt(dns.loaded.p99Ms, 1)} ms`,
    baseline: `${fmt(dns.quiet.p99Ms, 1)} ms (none hanging, same daemon)`,
    ratio: fmt(dns.loaded.p99Ms / dns.quiet.p99Ms, 2),
    target: "<= 1.5",
    holds: dns.loaded.failed === 0 && dns.loaded.p99Ms / dns.quiet.p99Ms <= 1.5,
  });

  const back = await scenario("backlog: 1,000,000 deliveries waiting in the future", () => backlog({ rows: BACKLOG_ROWS, concurrency: CONCURRENCY, durationMs: seconds(5), deliveries: 2 * DELIVERY_WARMUP, deliveryWarmup: DELIVERY_WARMUP, deliveryConcurrency: CONCURRENCY, rounds: MEASURED_ROUNDS }));
  const backlogRows = fmt(BACKLOG_ROWS);
  // Each against the empty outbox measured on either side of it, in the same minutes (backlog.ts).
  rows.push({
    what: `ingest with ${backlogRows} waiting (${ROUNDS_NOTE})`,
    herald: `${fmt(back.ingest.value)} req/s`,
    baseline: `${fmt(back.ingest.empty)} req/s (empty outbox, same minute)`,
    ratio: fmt(back.ingest.ratio, 2),
    target: ">= 0.85",
    holds: back.ingest.ratio >= 0.85,
  });
  rows.push({
    what: `delivery with ${backlogRows} waiting (${ROUNDS_NOTE})`,
    herald: `${fmt(back.delivery.value)} deliveries/s`,
    baseline: `${fmt(back.delivery.empty)} deliveries/s (empty outbox, same minute)`,
    ratio: fmt(back.delivery.ratio, 2),
    target: ">= 0.85",
    holds: back.delivery.ratio >= 0.85,
  });
  rows.push({ what: `claim of up to 100 with ${fmt(back.waiting)} waiting, none due`, herald: `${fmt(back.claimMicros, 1)} µs`, baseline: "-", ratio: "-", target: "proportional to the batch", holds: back.claimMicros < 1_000 });
  rows.push({ what: `RSS idle, ${backlogRows}-row outbox`, herald: mb(back.idleRss), baseline: "-", ratio: "-", target: "<= 100 MB", holds: back.idleRss <= 100 * 1024 * 1024 });
  rows.push({ what: "RSS under the ingest load", herald: mb(back.peakRss), baseline: "-", ratio: "-", target: "<= 250 MB", holds: back.peakRss <= 250 * 1024 * 1024 });
  rows.push({ what: `start to /healthz, compiled binary, ${backlogRows} rows (slowest of 3)`, herald: `${fmt(back.startMs, 0)} ms`, baseline: "-", ratio: "-", target: "<= 200 ms", holds: back.startMs <= 200 });

  const pgBack = await scenario(`PostgreSQL backlog: ${fmt(PG_BACKLOG_ROWS)} deliveries waiting in the future`, () =>
    postgresBacklog({ rows: PG_BACKLOG_ROWS, concurrency: CONCURRENCY, durationMs: seconds(5), deliveries: 2 * DELIVERY_WARMUP, deliveryWarmup: DELIVERY_WARMUP, rounds: MEASURED_ROUNDS }, pg!),
  );
  rows.push(...postgresRows(onPg, pgBack, CONCURRENCY, ROUNDS_NOTE, fmt(PG_BACKLOG_ROWS)));
  await pg.stop();
  pg = undefined;

  const dash = await scenario("dashboard: every page on a 1,000,000-row outbox", () => dashboardPages({ rows: QUICK ? 200_000 : 1_000_000 }));
  const slowestPage = dash.pages.reduce((a, b) => (b.slowestMs > a.slowestMs ? b : a));
  rows.push({
    what: `slowest dashboard page, ${backlogRows} rows (slowest of ${dash.pages[0]!.loads} loads of ${dash.pages.length} pages)`,
    herald: `${fmt(slowestPage.slowestMs, 0)} ms (${slowestPage.path.split("?")[0]})`,
    baseline: "-",
    ratio: "-",
    target: "<= 200 ms, /healthz not held by a count",
    holds: slowestPage.slowestMs <= 200 && dash.overviewFirstMs <= 200 && dash.healthzDuringCountMs < 50,
  });
  const api = await scenario("API pages on a 1,000,000-row outbox", () => apiPages({ rows: QUICK ? 200_000 : 1_000_000 }));
  const slowest = api.pages.reduce((worst, page) => (page.slowestMs > worst.slowestMs ? page : worst));
  rows.push({
    what: `slowest API page (events, deliveries, filtered), ${backlogRows} rows`,
    herald: `${fmt(slowest.slowestMs, 1)} ms (${slowest.path.replace(/cursor=evt_\w+/, "cursor=...")})`,
    baseline: "-",
    ratio: "-",
    target: "<= 200 ms",
    holds: slowest.slowestMs <= 200,
  });
  rows.push({ what: "publish p99 while API pages are read", herald: `${fmt(api.publishDuringPages.p99Ms, 1)} ms`, baseline: `${fmt(api.publishQuiet.p99Ms, 1)} ms (no page read)`, ratio: fmt(api.publishDuringPages.p99Ms / api.publishQuiet.p99Ms, 2), target: "-", holds: undefined });

  const pr = await scenario("peer: BullMQ + Redis, the same job", () => peer({ concurrency: CONCURRENCY, durationMs: seconds(5), rate: 1_000, latencyMs: seconds(5) }));
  for (const [label, bull] of [["BullMQ + Redis, Debian defaults", pr.bullmq], ["BullMQ + Redis, appendfsync always", pr.durable]] as const) {
    rows.push({
      what: "peer: end-to-end throughput",
      herald: `${fmt(pr.herald.perSecond)} events/s`,
      baseline: `${fmt(bull.perSecond)} events/s (${label})`,
      ratio: fmt(pr.herald.perSecond / bull.perSecond, 2),
      target: "> 1 (Herald ahead)",
      holds: pr.herald.perSecond > bull.perSecond,
    });
    rows.push({
      what: "peer: p99 latency at 1,000 events/s",
      herald: `${fmt(pr.herald.p99 ?? NaN, 1)} ms`,
      baseline: `${fmt(bull.p99 ?? NaN, 1)} ms (${label})`,
      ratio: fmt((pr.herald.p99 ?? NaN) / (bull.p99 ?? NaN), 2),
      target: "< 1 (Herald ahead)",
      holds: (pr.herald.p99 ?? Infinity) < (bull.p99 ?? 0),
    });
  }

  const denoNotes = runtimeNotes(rt);
  const pgNotes = postgresNotes(onPg, pgBack, pgServer);
  const cpuNotes = cpuSection(ing, del, pr, cpus().length);
  const floorNotes = floorSection(ing, del, wide);
  const batchNotes = `The row is the median of ${bat.rounds.length === 1 ? "one round" : `${bat.rounds.length} interleaved rounds (raw inserts, then Herald)`}. Herald's ratio to the raw inserts in each, in the order they ran: ${bat.rounds.map((r) => fmt(r.heraldEventsPerSecond / r.baselineEventsPerSecond, 2)).join(", ")} (raw inserts ${bat.rounds.map((r) => fmt(r.baselineEventsPerSecond)).join(", ")} events/s).`;

  const table = [
    "| what | Herald | baseline (same run) | ratio | target | holds |",
    "|---|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.what} | ${r.herald} | ${r.baseline} | ${r.ratio} | ${r.target} | ${r.holds === undefined ? "-" : r.holds ? "yes" : "**no**"} |`),
  ].join("\n");
  const minutes = ((Date.now() - started) / 60_000).toFixed(1);
  const machine = describeMachine();
  const stealNotes = stealSection();
  console.log(`\n${table}\n\n${floorNotes}\n\n${batchNotes}\n\n${denoNotes}\n\n${pgNotes}\n\n${cpuNotes}\n\n${stealNotes}\n\n${machine}\nclaim plan: ${back.plan.join("; ")}\nran in ${minutes} min`);
  if (!QUICK) {
    writeFileSync(
      join(ROOT, "bench/results.md"),
      `# Benchmark results\n\nMeasured by \`npm run bench\` on ${new Date().toISOString().slice(0, 10)}, in ${minutes} minutes. Every baseline ran in the same run on the same machine; the ratio is what the targets are about, since absolute figures drift between runs on shared machines.${disturbedWarning()}\n\n${table}\n\n## The floors: storage alone\n\n${floorNotes}\n\n## Batch ingest\n\n${batchNotes}\n\n## Deno and Bun\n\n${denoNotes}\n\n## PostgreSQL\n\n${pgNotes}\n\n## Where the CPU goes\n\n${cpuNotes}\n\n## The host's share of the CPU\n\n${stealNotes}\n\n## The machine\n\n${machine}\n\n## The backlog\n\nEach figure with the backlog was measured between two on an empty outbox and held against their mean; the ratios of every round, in the order they ran: ingest ${back.ingest.ratios.map((r) => fmt(r, 2)).join(", ")}; delivery ${back.delivery.ratios.map((r) => fmt(r, 2)).join(", ")}.\n\nQuery plan of the due-row query: \`${back.plan.join("; ")}\`. It walks the destination's pending rows in due order and stops at "now", so rows waiting in the future are never read: ${fmt(back.claimMicros, 1)} µs per claim with ${fmt(back.waiting)} rows waiting.\n\nFilling the outbox with ${backlogRows} rows took ${fmt(back.fillSeconds, 1)} s; start times over three launches: ${back.starts.map((s) => `${fmt(s)} ms`).join(", ")}.\n\nA \`/metrics\` scrape with ${fmt(back.scrape.pending)} open deliveries took ${fmt(back.scrape.scrapeMs, 0)} ms, counted on the outbox's background thread; a \`/healthz\` sent during it was answered in ${fmt(back.scrape.healthzMs, 1)} ms.\n\n## Notes\n\n- Herald runs as users run it: the compiled binary, \`synchronous = "full"\` (each 2xx follows an fsync), default log level with its JSON lines written to a file.\n- BullMQ ran twice on Debian's redis-server: with its default persistence (snapshots, no fsync per job: a job it acknowledged can still be lost by a crash, which Herald's 202 rules out), and with \`appendonly yes\`, \`appendfsync always\` (each write fsynced before Redis answers, the same promise as Herald's 202).\n- Ingest measurements park the destination (\`rate_limit = "1/1h"\`) so the scheduler does not compete for the CPU; delivery measurements first store the events, then restart Herald with the destination open and time the drain at the receiver from the ${fmt(DELIVERY_WARMUP)}th arrival on; the fetch loop and the floor are timed from their ${fmt(DELIVERY_WARMUP)}th answer, so no side counts the seconds in which the runtime still compiles its hot code.\n`,
    );
    log("wrote bench/results.md");
  }
}

/** The scenarios during which the host took STEAL_WARNING or more of the CPU. */
const disturbedScenarios = () => stolen.filter((s) => s.share >= STEAL_WARNING);

/** A line for the top of results.md when the host took a large share during some scenario. */
function disturbedWarning(): string {
  const disturbed = disturbedScenarios();
  return disturbed.length === 0 ? "" : ` **In this run the host took ${fmt(STEAL_WARNING * 100, 0)} % or more of the CPU during: ${disturbed.map((s) => `${s.scenario} (${fmt(s.share * 100, 0)} %)`).join(", ")}**; see "The host's share of the CPU".`;
}

/** Each scenario's host share, and which scenarios it disturbed. */
function stealSection(): string {
  const disturbed = disturbedScenarios().map((s) => s.scenario);
  return [
    "Time the hypervisor gave to other guests while this one wanted its cores (the steal figure of `/proc/stat`), as a share of all CPU time during each scenario:",
    "",
    "| scenario | taken by the host |",
    "|---|---|",
    ...stolen.map((s) => `| ${s.scenario} | ${fmt(s.share * 100, 1)} % |`),
    "",
    disturbed.length === 0
      ? `No scenario lost ${fmt(STEAL_WARNING * 100, 0)} % or more, so the sides of each ratio ran on the same machine speed, within the usual drift.`
      : `Disturbed (${fmt(STEAL_WARNING * 100, 0)} % or more taken): ${disturbed.join(", ")}. The host's share varies from second to second, so within those scenarios Herald and its baseline ran at different speeds; their ratios say little about Herald.`,
  ].join("\n");
}

/**
 * The two floors: each baseline plus Herald's storage work (its Outbox, schema and durability)
 * and nothing else. A floor under its target says the storage alone rules the target out in
 * this run; a floor above it says the rest of the gap is Herald's own work.
 */
function floorSection(ing: Awaited<ReturnType<typeof ingest>>, del: Awaited<ReturnType<typeof delivery>>, wide: Awaited<ReturnType<typeof ingest>>): string {
  const list = (values: number[]) => values.map((v) => fmt(v, 2)).join(", ");
  const rounds = (n: number) => (n === 1 ? "one round" : `${n} interleaved rounds`);
  const line = (item: string, floor: number, floorName: string, baseline: number, baselineName: string, target: number, herald: number) =>
    `| ${item} | ${fmt(floor)}/s (${floorName}) | ${fmt(baseline)}/s (${baselineName}) | ${fmt(floor / baseline, 2)} | ${fmt(target, 2)} | ${fmt(herald / floor, 2)} |`;
  return [
    "Each baseline again, plus the storage work Herald's outbox does per item and nothing else of Herald's (`servers/durable-echo.ts`, `servers/outbox-loop.ts`):",
    "",
    "| item | floor | baseline | floor / baseline | target | Herald / floor |",
    "|---|---|---|---|---|---|",
    line("a single-event publish", ing.floor.perSecond, "Hono echo + group commit and fsync", ing.baseline.perSecond, "Hono echo", INGEST_TARGET, ing.herald.perSecond),
    line("a delivery", del.floor, "fetch loop + claim and settle", del.baseline, "fetch loop", DELIVERY_TARGET, del.herald),
    "",
    `Each row ran in ${rounds(ing.rounds.length)} (baseline, floor, Herald), and the tables show the median round by Herald's ratio. Every round's ratios to its baseline, in the order they ran:`,
    "",
    `- a single-event publish: the floor ${list(ing.rounds.map((r) => r.floor.perSecond / r.baseline.perSecond))}; Herald ${list(ing.rounds.map((r) => r.herald.perSecond / r.baseline.perSecond))}`,
    `- a delivery: the floor ${list(del.rounds.map((r) => r.floor / r.baseline))}; Herald ${list(del.rounds.map((r) => r.herald / r.baseline))}`,
    "",
    `With ${WIDE_CONCURRENCY} publishers at once instead of ${CONCURRENCY}, one round: the echo server ${fmt(wide.baseline.perSecond)}/s, the floor ${fmt(wide.floor.perSecond)}/s (${fmt(wide.floor.perSecond / wide.baseline.perSecond, 2)}), Herald ${fmt(wide.herald.perSecond)}/s (${fmt(wide.herald.perSecond / wide.baseline.perSecond, 2)}; p50 ${fmt(wide.herald.p50Ms, 1)} ms). More requests arrive while a commit runs, so each commit carries more events and costs less per event.`,
  ].join("\n");
}

/**
 * CPU per item, read from /proc during the same measurements as the table, and the ceiling it
 * sets: a thread cannot be more than 100 % busy, and the machine has `cores` cores for Herald
 * and the receiver together.
 */
function cpuSection(ing: Awaited<ReturnType<typeof ingest>>, del: Awaited<ReturnType<typeof delivery>>, pr: Awaited<ReturnType<typeof peer>>, cores: number): string {
  const us = (n: number) => `${fmt(n)} µs`;
  const both = (c: { process: number; mainThread: number }) => `${us(c.process)} (${us(c.mainThread)})`;
  const ingestThreadBusy = (ing.herald.perSecond * ing.herald.cpu.mainThread) / 1e6;
  const ingestCeiling = 1e6 / ing.herald.cpu.mainThread;
  // What one thread may spend per item, at 100 % busy, for the target rate.
  const threadBudget = (target: number, baselineRate: number) => 1e6 / (target * baselineRate);
  const deliveryCeiling = (cores * 1e6) / (del.cpu.herald.process + del.cpu.heraldReceiver.process);
  // What Herald may spend per delivery for the target to be reachable with every core busy.
  const deliveryBudget = (cores * 1e6) / (DELIVERY_TARGET * del.baseline) - del.cpu.heraldReceiver.process;
  // End to end, one Herald thread publishes and delivers every event; BullMQ's job is spread
  // over Redis and the worker process.
  const [heraldEvent] = pr.herald.cpu;
  const [redisEvent, workerEvent] = pr.bullmq.cpu;
  const endToEndBusy = (pr.herald.perSecond * heraldEvent!.mainThread) / 1e6;
  return [
    "CPU time per item, all threads of the process and, in brackets, the one thread that runs its JavaScript:",
    "",
    "| item | Herald | baseline | the receiver (Herald's run / the baseline's) |",
    "|---|---|---|---|",
    `| a single-event publish | ${both(ing.herald.cpu)} | ${both(ing.baseline.cpu)} (Hono echo) | - |`,
    `| a single-event publish, the floor | ${both(ing.floor.cpu)} | - | - |`,
    `| a delivery | ${both(del.cpu.herald)} | ${both(del.cpu.baseline)} (bare fetch loop) | ${us(del.cpu.heraldReceiver.process)} / ${us(del.cpu.baselineReceiver.process)} |`,
    `| a delivery, the floor | ${both(del.cpu.floor)} | - | - |`,
    `| an event end to end (publish, then delivery; the peer run) | ${both(heraldEvent!)} | Redis ${both(redisEvent!)} + worker ${both(workerEvent!)} (BullMQ, Debian defaults) | - |`,
    "",
    `- Ingest: Herald's JavaScript thread was ${fmt(ingestThreadBusy * 100)} % busy, while ${fmt(ing.herald.machineIdle * 100)} % of the machine's CPU sat idle (${fmt(ing.baseline.machineIdle * 100)} % during the echo server). At 100 % it would publish at most ${fmt(ingestCeiling)} a second, ${fmt(ingestCeiling / ing.baseline.perSecond, 2)} of the echo server. Reaching ${fmt(INGEST_TARGET, 2)} leaves that thread ${us(threadBudget(INGEST_TARGET, ing.baseline.perSecond))} per publish; the floor's thread spent ${us(ing.floor.cpu.mainThread)} (the echo server's ${us(ing.baseline.cpu.mainThread)}, so storage ${us(ing.floor.cpu.mainThread - ing.baseline.cpu.mainThread)}), and Herald's ${us(ing.herald.cpu.mainThread)}.`,
    `- Delivery: with all ${cores} cores busy with Herald and the receiver, the drain could reach at most ${fmt(deliveryCeiling)} a second, ${fmt(deliveryCeiling / del.baseline, 2)} of the fetch loop. Reaching ${fmt(DELIVERY_TARGET, 2)} needs Herald to spend at most ${us(deliveryBudget)} per delivery across its threads, and to keep every core busy; its JavaScript thread, at 100 % busy, at most ${us(threadBudget(DELIVERY_TARGET, del.baseline))}, where the floor's spent ${us(del.cpu.floor.mainThread)} (the fetch loop's ${us(del.cpu.baseline.mainThread)}) and Herald's ${us(del.cpu.herald.mainThread)}.`,
    `- End to end: Herald's JavaScript thread was ${fmt(endToEndBusy * 100)} % busy at ${fmt(pr.herald.perSecond)} events/s. Publishing and delivering one event cost it ${us(heraldEvent!.mainThread)}, so at 100 % it would carry at most ${fmt(1e6 / heraldEvent!.mainThread)} a second. BullMQ splits the same job between two processes: Redis's main thread spent ${us(redisEvent!.mainThread)} per event and the worker's ${us(workerEvent!.mainThread)}.`,
  ].join("\n");
}

function describeMachine(): string {
  const cpu = cpus();
  const bun = spawnSync(process.execPath, ["--version"]).stdout.toString().trim();
  const deno = /deno (\S+)/.exec(spawnSync(join(ROOT, "node_modules/.bin/deno"), ["--version"]).stdout.toString())?.[1] ?? "unknown";
  const disk = spawnSync("sh", ["-c", "df -h /tmp | tail -1"]).stdout.toString().trim().split(/\s+/);
  const load = (l: number[]) => l.map((v) => v.toFixed(2)).join(", ");
  return [`- ${cpu.length} CPU cores (${cpu[0]?.model ?? "unknown"}), ${mb(totalmem())} memory, Linux ${release()}`, `- Bun ${bun}, Deno ${deno}; temporary files on ${disk[0]} (${disk[1]})`, `- load average (1, 5, 15 min): ${load(loadAtStart)} at the start, ${load(loadavg())} at the end`].join("\n");
}

// Every database, log and Redis folder of the run goes under one folder, removed at the end: a
// full run writes 1.7 GB (the million-row outbox alone is 700 MB), and repeated runs would fill
// the disk. BENCH_KEEP_FILES=1 keeps it for a look.
const scratch = mkdtempSync(join(tmpdir(), "herald-bench-run-"));
process.env.TMPDIR = scratch;
try {
  await main();
} finally {
  await stopAll();
  await pg?.stop();
  if (process.env.BENCH_KEEP_FILES === "1") log(`files kept in ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
process.exit(0);
