// The events listing's statements on a real PostgreSQL server with a large table: each filter
// is served by an index (migration 2) or the primary key, walked newest first, never by a scan
// and a sort of the whole table. Skips without HERALD_TEST_PG_URL.
import { describe, expect, test } from "bun:test";
import { eventListSql } from "../../src/outbox/postgres/events.ts";
import type { EventQuery } from "../../src/outbox/types.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";
import { withLargeTable, type LargeTable } from "../helpers/pg-large-table.ts";

const skip = skipWithoutPostgres("postgres-events");
const db = usePgDatabase();

const EVENTS = 100_000;
const NOW = Date.UTC(2026, 2, 9, 12);
/** One event every 2 s over the ~55 hours before NOW. */
const STEP_MS = 2_000;
/** Four common names in turn, and one event in a hundred "failed". */
const NAMES = ["completed", "started", "credits.low", "crawl.done"];
const nameOf = (i: number) => (i % 100 === 0 ? "failed" : NAMES[i % NAMES.length]!);

const table: LargeTable<{ id: string; name: string; source: string | null; receivedAt: number }> = {
  count: EVENTS,
  now: NOW,
  stepMs: STEP_MS,
  row: (i, at, ids) => ({ id: ids.event(), name: nameOf(i), source: i % 10 === 0 ? "github" : null, receivedAt: at }),
  insert: (admin, rows) => admin`
    INSERT INTO events (id, name, timestamp, data, received_at, source)
    SELECT id, name, 't', '{}', received_at, source
    FROM unnest(${rows.map((r) => r.id)}::text[], ${rows.map((r) => r.name)}::text[], ${rows.map((r) => r.receivedAt)}::bigint[],
      ${rows.map((r) => r.source)}::text[]) AS t (id, name, received_at, source)`,
};

describe.skipIf(skip)("the PostgreSQL events listing's query plans", () => {
  test("each filter walks an index newest first, with no sort, on a 100,000-event table", async () => {
    await withLargeTable(db, table, async (admin, rows) => {
      const plan = async (query: EventQuery) => {
        const { text, params } = eventListSql(query);
        return JSON.stringify(await admin.unsafe(`EXPLAIN (FORMAT JSON) ${text}`, params));
      };
      // A common name is found soonest by walking the primary key and skipping the others (the
      // planner's choice, reading about five rows per row shown); a rare one by its own index.
      const walks: Array<[EventQuery, RegExp]> = [
        [{ name: "completed", limit: 51 }, /"Index Name":"events_(name|pkey)"/],
        [{ name: "failed", limit: 51 }, /"Index Name":"events_name"/],
        [{ source: "github", limit: 51 }, /"Index Name":"events_source"/],
        [{ since: NOW - 7_200_000, until: NOW, limit: 51 }, /"Index Name":"events_pkey"/],
        [{ before: rows[EVENTS / 2]!.id, limit: 51 }, /"Index Name":"events_pkey"/],
        [{ limit: 51 }, /"Index Name":"events_pkey"/],
      ];
      for (const [query, index] of walks) {
        const found = await plan(query);
        expect({ query, index: index.test(found), backward: found.includes('"Scan Direction":"Backward"') }).toEqual({ query, index: true, backward: true });
        expect(found).not.toContain('"Node Type":"Sort"');
        expect(found).not.toContain('"Node Type":"Seq Scan"');
      }
      // A rare name in a short window (36 events): the planner may read just that range of
      // events_name, name and time both in the index condition, and sort those few rows.
      const narrow = await plan({ name: "failed", since: NOW - 7_200_000, limit: 51 });
      expect(narrow).toMatch(/"Index Name":"events_name"[^}]*"Index Cond":"\(\(name = 'failed'::text\) AND \(id >= 'evt_/);
      expect(narrow).not.toContain('"Node Type":"Seq Scan"');
    });
  }, 60_000);
});
