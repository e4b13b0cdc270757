// The backlog rows on PostgreSQL: an outbox holding 1,000,000 deliveries scheduled in the future,
// seeded in the server with generate_series (Herald's own migrations make the schema first).
// Start time, idle RSS, the claim's plan and cost with nothing due, and ingest and delivery held
// against an empty database measured on either side of them (backlog.ts's `bracketed`).
import postgres from "postgres";
import { firstDeliveryIdAt, firstEventIdAt } from "../../src/core/ids.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import type { BenchPostgres } from "../lib/postgres.ts";
import { startHerald, startServer } from "../lib/procs.ts";
import { bracketed, LATER } from "./backlog.ts";
import { heraldDrain } from "./delivery.ts";
import { heraldIngest, measured, PARKED } from "./ingest.ts";

export interface PgBacklogOptions {
  rows: number;
  concurrency: number;
  durationMs: number;
  deliveries: number;
  deliveryWarmup: number;
  rounds: number;
}

/** `rows` events, each with one delivery to "later" retrying across the next 20 hours, as fill-outbox.ts makes them for SQLite. */
async function seed(url: string, rows: number) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const now = Date.now();
  const hourAgo = now - 3_600_000;
  // Ids as Herald makes them, from an hour ago (they begin with their creation time), then a
  // 16-digit counter in place of the random part: digits are Crockford base-32 characters too.
  const [evt, dlv] = [firstEventIdAt(hourAgo), firstDeliveryIdAt(hourAgo)];
  const data = JSON.stringify({ task_id: "task_abc123", task_type: "scrape", status: "failed", credits_used: 1 });
  await sql`INSERT INTO events (id, name, timestamp, data, received_at)
    SELECT ${evt} || lpad(g::text, 16, '0'), 'completed', ${new Date(now).toISOString()}, ${data}, ${hourAgo} FROM generate_series(1, ${rows}::int) g`;
  await sql`INSERT INTO deliveries (id, event_id, destination, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at, last_error, last_status_code)
    SELECT ${dlv} || lpad(g::text, 16, '0'), ${evt} || lpad(g::text, 16, '0'), 'later', 'pending', 1, 1,
      ${now + 3_600_000}::bigint + (g % 72000) * 1000, ${now + 86_400_000}::bigint, ${hourAgo}::bigint, ${hourAgo}::bigint, 'HTTP 503', 503
    FROM generate_series(1, ${rows}::int) g`;
  // Statistics as autovacuum would leave them, and the rows on disk before the first launch.
  await sql`ANALYZE`;
  await sql`CHECKPOINT`;
  const [count] = await sql`SELECT count(*)::int AS n FROM deliveries WHERE status = 'pending'`;
  await sql.end({ timeout: 1 });
  return count!.n as number;
}

/** The lane query's plan, and claimDue's cost through the seam with the backlog and nothing due. */
async function claimCost(url: string, migrate = false) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  // On an empty database (migrate = true) the schema is made below, so its plan is not asked for.
  const plan = migrate ? [] : (await sql.unsafe(`EXPLAIN SELECT id FROM deliveries WHERE status = 'pending' AND destination = 'later' AND next_attempt_at <= ${Date.now()} ORDER BY next_attempt_at LIMIT 100`)).map((r) => String(r["QUERY PLAN"]).trim());
  await sql.end({ timeout: 1 });
  const storage = await openPostgresStorage(url, { migrate, applicationName: "herald-bench" });
  const claim = () => storage.outbox.claimDue({ now: Date.now(), leaseUntil: Date.now() + 60_000, lanes: [{ destination: "later", limit: 100 }], inline: { limit: 100, exclude: [] } });
  await claim();
  const rounds = 1_000;
  const t = performance.now();
  for (let i = 0; i < rounds; i++) await claim();
  const claimMicros = ((performance.now() - t) / rounds) * 1000;
  await storage.close();
  return { plan, claimMicros };
}

export async function postgresBacklog(options: PgBacklogOptions, pg: BenchPostgres) {
  const url = await pg.freshDatabase();
  const receiver = await startServer("receiver.ts");
  // Herald's migrations make the schema, as on any first start.
  await (await startHerald({ dbPath: url, toml: LATER(receiver.url) })).stop();
  const filled = performance.now();
  const waiting = await seed(url, options.rows);
  const fillSeconds = (performance.now() - filled) / 1000;

  const starts: number[] = [];
  for (let i = 0; i < 3; i++) {
    const herald = await startHerald({ dbPath: url, toml: LATER(receiver.url) });
    starts.push(herald.startMs);
    await herald.stop();
  }
  starts.sort((a, b) => a - b);
  const claim = await claimCost(url);
  // The same claims on an empty outbox: what a round trip and the statement cost with nothing waiting.
  const emptyClaimMicros = (await claimCost(await pg.freshDatabase(), true)).claimMicros;

  // Delivery before ingest, for the reason backlog.ts gives; each empty side on a fresh database.
  const drain = { warmup: options.deliveryWarmup, extraToml: LATER(receiver.url) };
  const delivery = await bracketed(
    options.rounds,
    async () => (await heraldDrain(receiver, options.deliveries, options.concurrency, { ...drain, dbPath: await pg.freshDatabase() })).perSecond,
    async () => (await heraldDrain(receiver, options.deliveries, options.concurrency, { ...drain, dbPath: url })).perSecond,
  );

  const ingestToml = LATER(receiver.url) + PARKED;
  let idleRss = 0;
  const ingest = await bracketed(
    options.rounds,
    async () => (await heraldIngest({ ...options, dbPath: await pg.freshDatabase() }, ingestToml)).load.perSecond,
    async () => {
      const herald = await startHerald({ dbPath: url, toml: ingestToml });
      if (idleRss === 0) {
        await Bun.sleep(3_000);
        idleRss = herald.rssBytes();
      }
      const load = await measured(herald, options.concurrency, options.durationMs);
      await herald.stop();
      return load.perSecond;
    },
  );
  await receiver.stop();
  return { waiting, fillSeconds, starts, startMs: starts[2]!, idleRss, ingest, delivery, ...claim, emptyClaimMicros };
}
