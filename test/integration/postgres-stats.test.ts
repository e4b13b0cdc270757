// The outbox gauges on PostgreSQL (herald_outbox_pending and the oldest pending age): exact up
// to EXACT_OPEN_UP_TO open deliveries, the planner's estimate above, and never a read of every
// open row, which on a 1,000,000-row backlog took 340 ms per scrape. Skips without
// HERALD_TEST_PG_URL.
import { describe, expect, test } from "bun:test";
import { EXACT_OPEN_UP_TO, STATS_SQL } from "../../src/outbox/postgres/maintenance.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import { adminClient, skipWithoutPostgres, usePgDatabase, type AdminSql } from "../helpers/pg.ts";

const skip = skipWithoutPostgres("postgres-stats");
const db = usePgDatabase();
const DAY = 86_400_000;

/** `count` deliveries numbered from `from`, spread over 20 destinations, created at their number. */
const insert = (admin: AdminSql, from: number, count: number, status: "pending" | "succeeded") => admin`
  INSERT INTO deliveries (id, event_id, destination, status, next_attempt_at, expires_at, created_at, updated_at, finished_at)
  SELECT 'dlv_' || lpad(g::text, 8, '0'), 'evt_seed', 'dest-' || (g % 20), ${status}, g, ${DAY}, g, g,
    CASE WHEN ${status} = 'pending' THEN NULL ELSE g END
  FROM generate_series(${from}::int, ${from + count - 1}::int) g`;

/** Every plan node of an EXPLAIN (FORMAT JSON) answer, depth first. */
const nodes = (plan: Record<string, unknown>): Array<Record<string, unknown>> => [
  plan,
  ...((plan.Plans as Array<Record<string, unknown>> | undefined) ?? []).flatMap(nodes),
];

describe.skipIf(skip)("the PostgreSQL outbox gauges", () => {
  test("count open deliveries exactly up to the bound, estimate above it, and never read past it", async () => {
    const url = await db.create();
    const storage = await openPostgresStorage(url, { migrate: true });
    const admin = adminClient(url);
    try {
      await admin`INSERT INTO events (id, name, timestamp, data, received_at) VALUES ('evt_seed', 'completed', 't', '{}', 0)`;
      await insert(admin, 1, 2_000, "succeeded");
      await insert(admin, 2_001, EXACT_OPEN_UP_TO, "pending");
      expect(await storage.outbox.stats()).toEqual({ pending: EXACT_OPEN_UP_TO, oldestPendingReceivedAt: 2_001 });

      await insert(admin, 2_001 + EXACT_OPEN_UP_TO, 20_000, "pending");
      await admin`ANALYZE deliveries`;
      const { pending } = await storage.outbox.stats();
      // The sample ANALYZE takes covers a table this small whole, so the estimate is close.
      expect(pending).toBeGreaterThan(EXACT_OPEN_UP_TO);
      expect(Math.abs(pending - 30_000)).toBeLessThan(1_500);

      const [row] = await admin.unsafe(`EXPLAIN (ANALYZE, FORMAT JSON) ${STATS_SQL}`);
      const plan = nodes((row as unknown as { "QUERY PLAN": Array<{ Plan: Record<string, unknown> }> })["QUERY PLAN"][0]!.Plan);
      const scans = plan.filter((node) => String(node["Node Type"]).includes("Scan"));
      // The count stops at the bound; the oldest pending row is the first pending one by id
      // (through deliveries_status or the primary key, as the planner prefers).
      const count = scans.find((node) => node["Index Name"] === "deliveries_open_by_destination");
      expect(count?.["Actual Rows"]).toBe(EXACT_OPEN_UP_TO + 1);
      expect(scans.map((node) => node["Node Type"])).not.toContain("Seq Scan");
      expect(Math.max(...scans.map((node) => Number(node["Actual Rows"])))).toBe(EXACT_OPEN_UP_TO + 1);
    } finally {
      await admin.end();
      await storage.close();
    }
  }, 60_000);
});
