// The admin deliveries listing's statements on a real PostgreSQL server with a large table: a
// status or destination filter walks its own index newest first (migration 1's
// deliveries_status, deliveries_destination), never a scan and a sort of the whole table, and
// keeps doing so once the server has cached a plan. postgres.js prepares a statement once per
// connection and text, and after five runs PostgreSQL may keep one generic plan for it: had
// every filter set shared one guarded text ("$1 IS NULL OR status = $1"), listing by event name
// a few times would leave the status listing a generic walk of the primary key. Skips without
// HERALD_TEST_PG_URL.
import { describe, expect, test } from "bun:test";
import { deliveryListSql } from "../../src/outbox/postgres/operator.ts";
import type { Param } from "../../src/outbox/postgres/placeholders.ts";
import type { DeliveryQuery } from "../../src/outbox/types.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";
import { withLargeTable, type LargeTable } from "../helpers/pg-large-table.ts";

const skip = skipWithoutPostgres("postgres-deliveries");
const db = usePgDatabase();

const DELIVERIES = 100_000;
const NOW = Date.UTC(2026, 2, 9, 12);
const STEP_MS = 2_000;
/** One delivery per event; one event in a hundred is "failed", one delivery in a hundred failed, one in fifty to "rare". */
const nameOf = (i: number) => (i % 100 === 0 ? "failed" : "completed");
const statusOf = (i: number) => (i % 100 === 7 ? "failed" : "succeeded");
const destinationOf = (i: number) => (i % 50 === 3 ? "rare" : `hooks-${i % 3}`);

const literal = (value: Param) => (typeof value === "number" ? String(value) : `'${String(value).replaceAll("'", "''")}'`);

interface Row {
  event: string;
  id: string;
  name: string;
  status: string;
  destination: string;
  at: number;
}

const table: LargeTable<Row> = {
  count: DELIVERIES,
  now: NOW,
  stepMs: STEP_MS,
  row: (i, at, ids) => ({ event: ids.event(), id: ids.delivery(), name: nameOf(i), status: statusOf(i), destination: destinationOf(i), at }),
  insert: async (admin, rows) => {
    await admin`
      INSERT INTO events (id, name, timestamp, data, received_at)
      SELECT id, name, 't', '{}', at FROM unnest(${rows.map((r) => r.event)}::text[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.at)}::bigint[]) AS t (id, name, at)`;
    await admin`
      INSERT INTO deliveries (id, event_id, destination, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at, finished_at)
      SELECT id, event_id, destination, status, 1, 0, at, at + 86400000, at, at, at
      FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.event)}::text[], ${rows.map((r) => r.destination)}::text[],
        ${rows.map((r) => r.status)}::text[], ${rows.map((r) => r.at)}::bigint[]) AS t (id, event_id, destination, status, at)`;
  },
};

describe.skipIf(skip)("the PostgreSQL deliveries listing's query plans", () => {
  test("a status or destination filter walks its index newest first, with no sort, on a 100,000-delivery table", async () => {
    await withLargeTable(db, table, async (admin, rows) => {
      const walksIndex = (plan: string, index: string) => ({
        index: plan.includes(`"Index Name":"${index}"`),
        backward: plan.includes('"Scan Direction":"Backward"'),
        sort: plan.includes('"Node Type":"Sort"'),
        seqScan: plan.includes('"Node Type":"Seq Scan"'),
      });
      const walked = { index: true, backward: true, sort: false, seqScan: false };
      const filtered: Array<[DeliveryQuery, string]> = [
        [{ status: "failed", limit: 51 }, "deliveries_status"],
        [{ destination: "rare", limit: 51 }, "deliveries_destination"],
        [{ status: "failed", before: rows[DELIVERIES / 2]!.id, limit: 51 }, "deliveries_status"],
        [{ before: rows[DELIVERIES / 2]!.id, limit: 51 }, "deliveries_pkey"],
        [{ limit: 51 }, "deliveries_pkey"],
      ];
      for (const [query, index] of filtered) {
        const { text, params } = deliveryListSql(query);
        const plan = JSON.stringify(await admin.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params));
        expect({ query, ...walksIndex(plan, index) }).toEqual({ query, ...walked });
      }

      // One connection, one prepared statement per text, as postgres.js keeps them.
      const connection = await admin.reserve();
      try {
        const names = new Map<string, string>();
        const prepared = async (query: DeliveryQuery) => {
          const { text, params } = deliveryListSql(query);
          let name = names.get(text);
          if (!name) {
            name = `listing_${names.size}`;
            names.set(text, name);
            await connection.unsafe(`PREPARE ${name} AS ${text}`);
          }
          return `EXECUTE ${name} (${params.map(literal).join(", ")})`;
        };
        // An operator lists a rare event name's deliveries again and again...
        for (let run = 0; run < 8; run++) await connection.unsafe(await prepared({ event: "failed", limit: 51 }));
        // ...and then the failed ones: still through deliveries_status.
        const plan = JSON.stringify(await connection.unsafe(`EXPLAIN (FORMAT JSON) ${await prepared({ status: "failed", limit: 51 })}`));
        expect(walksIndex(plan, "deliveries_status")).toEqual(walked);
      } finally {
        connection.release();
      }
    });
  }, 60_000);
});
