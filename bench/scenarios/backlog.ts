// Backlog: an outbox holding 1,000,000 deliveries scheduled in the future. Measures start time
// of the compiled binary, idle RSS, ingest and delivery against the empty-outbox figures, RSS
// under ingest, and shows that a claim reads only what it takes (query plan and timing).
import { Database } from "bun:sqlite";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { medianBy } from "../lib/median.ts";
import { ROOT, startHerald, startServer } from "../lib/procs.ts";
import { destinationToml, heraldDrain } from "./delivery.ts";
import { heraldIngest, measured, PARKED } from "./ingest.ts";

export const LATER = (url: string) => `[[destinations]]\nname = "later"\nurl = "${url}/later"\n`;

/**
 * Each figure under the backlog is measured between two on an empty outbox (empty, backlog,
 * empty, backlog, ..., empty) and held against the mean of its two neighbours: this machine's
 * speed drifts by a fifth within minutes, more than the 15 % the comparison allows. With more
 * than one round, the round with the median ratio is reported, and every ratio is kept.
 */
export async function bracketed(rounds: number, empty: () => Promise<number>, underBacklog: () => Promise<number>) {
  const results: Array<{ value: number; empty: number; ratio: number }> = [];
  let before = await empty();
  for (let i = 0; i < rounds; i++) {
    const value = await underBacklog();
    const after = await empty();
    const bracket = (before + after) / 2;
    results.push({ value, empty: bracket, ratio: value / bracket });
    before = after;
  }
  return { ...medianBy(results, (m) => m.ratio), ratios: results.map((m) => m.ratio) };
}

export async function backlog(options: { rows: number; concurrency: number; durationMs: number; deliveries: number; deliveryWarmup: number; deliveryConcurrency: number; rounds: number }) {
  const dir = mkdtempSync(join(tmpdir(), "herald-backlog-"));
  const dbPath = join(dir, "herald.db");
  const filled = performance.now();
  Bun.spawnSync([process.execPath, `${ROOT}/bench/servers/fill-outbox.ts`, dbPath, String(options.rows)]);
  const fillSeconds = (performance.now() - filled) / 1000;
  const receiver = await startServer("receiver.ts");

  // Start: launch to the first 200 from /healthz, three times; the slowest counts.
  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const herald = await startHerald({ dbPath, toml: LATER(receiver.url) });
    starts.push(herald.startMs);
    await herald.stop();
  }
  starts.sort((a, b) => a - b);

  // Delivery under the backlog: the same drain as the empty run, on this database. It runs
  // before the ingest below, because run after it the drain would also pay for failing that
  // ingest's 40,000 to 55,000 parked rows, whose destination its config drops. The backlog's own
  // destination stays configured, since a destination removed from the config has its rows failed.
  // Each drain is timed after the same warm-up as the delivery row's.
  const drain = { warmup: options.deliveryWarmup, extraToml: LATER(receiver.url) };
  const delivery = await bracketed(
    options.rounds,
    async () => (await heraldDrain(receiver, options.deliveries, options.deliveryConcurrency, drain)).perSecond,
    async () => (await heraldDrain(receiver, options.deliveries, options.deliveryConcurrency, { ...drain, dbPath })).perSecond,
  );

  // Ingest under the backlog (same parked destination as the empty run); the first time, its
  // idle memory and a /metrics scrape before the load, and the peak memory under it throughout.
  const ingestToml = LATER(receiver.url) + PARKED;
  let idleRss = 0;
  let peakRss = 0;
  let scrape: Awaited<ReturnType<typeof scrapeWithProbe>> | undefined;
  const ingestUnderBacklog = async () => {
    const herald = await startHerald({ dbPath, toml: ingestToml });
    if (!scrape) {
      await Bun.sleep(3_000);
      idleRss = herald.rssBytes();
      scrape = await scrapeWithProbe(herald.url);
    }
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, herald.rssBytes())), 100);
    const load = await measured(herald, options.concurrency, options.durationMs);
    clearInterval(sampler);
    peakRss = Math.max(peakRss, herald.rssBytes());
    await herald.stop();
    return load.perSecond;
  };
  const ingest = await bracketed(options.rounds, async () => (await heraldIngest(options, ingestToml)).load.perSecond, ingestUnderBacklog);

  await receiver.stop();

  // The claim: its plan, and its cost with a million rows waiting but none due.
  const db = new Database(dbPath, { readonly: true });
  const plan = (db.query("EXPLAIN QUERY PLAN SELECT id, destination FROM deliveries WHERE status = 'pending' AND destination = ?1 AND next_attempt_at <= ?2 ORDER BY next_attempt_at LIMIT 100").all("later", Date.now()) as Array<{ detail: string }>).map((r) => r.detail);
  const waiting = (db.query("SELECT count(*) AS n FROM deliveries WHERE status = 'pending'").get() as { n: number }).n;
  db.close();
  const { outbox } = openOutbox(dbPath, { synchronous: "full" });
  const t = performance.now();
  const rounds = 1_000;
  for (let i = 0; i < rounds; i++) await outbox.claimDue({ now: Date.now(), leaseUntil: Date.now() + 60_000, lanes: [{ destination: "later", limit: 100 }], inline: { limit: 100, exclude: [] } });
  const claimMicros = ((performance.now() - t) / rounds) * 1000;
  await outbox.close();

  return { fillSeconds, startMs: starts[2]!, starts, idleRss, scrape: scrape!, peakRss, ingest, delivery, plan, waiting, claimMicros };
}

/**
 * A /metrics scrape counts every open delivery. Sends a /healthz while the scrape runs: its answer
 * time shows whether the count held the daemon's thread (it runs on the background thread).
 */
async function scrapeWithProbe(url: string) {
  const started = performance.now();
  const scraping = fetch(`${url}/metrics`).then((r) => r.text());
  await Bun.sleep(2);
  const probeSent = performance.now();
  await (await fetch(`${url}/healthz`)).arrayBuffer();
  const healthzMs = performance.now() - probeSent;
  const text = await scraping;
  return { scrapeMs: performance.now() - started, healthzMs, pending: Number(/^herald_outbox_pending (\d+)$/m.exec(text)?.[1]) };
}

if (import.meta.main) console.log(await backlog({ rows: 1_000_000, concurrency: 32, durationMs: 5_000, deliveries: 40_000, deliveryWarmup: 20_000, deliveryConcurrency: 32, rounds: 3 }));
