// The events listing's statements on a real SQLite file: each filter is served by an index
// (migration 11) or the primary key, walked newest first, never by a scan and a sort of the
// whole table, which on a 1,000,000-row outbox would hold the daemon's thread for seconds.
import { join } from "node:path";
import { afterAll, describe, expect, test } from "bun:test";
import { eventListSql } from "../../src/outbox/sqlite/events-query.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import type { EventQuery } from "../../src/outbox/types.ts";
import { tempDir } from "../helpers/fs.ts";
import { sqliteOnly } from "../helpers/storage.ts";

const SQLITE_ONLY = sqliteOnly("events-query-sqlite", "SQLite's query plans (postgres-events.test.ts has PostgreSQL's)");

const { handle, outbox } = openOutbox(join(tempDir(), "herald.db"), { synchronous: "full" });
afterAll(() => outbox.close());

describe.skipIf(SQLITE_ONLY)("the events listing's query plans", () => {
  const plan = (query: EventQuery) => {
    const { sql, params } = eventListSql(query);
    return (handle.client.query(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as Array<{ detail: string }>).map((row) => row.detail).join("; ");
  };
  const now = Date.parse("2026-03-09T12:00:00Z");

  test.each([
    ["by name", { name: "completed", limit: 51 }, /USING INDEX events_name/],
    ["by source", { source: "github", limit: 51 }, /USING INDEX events_source/],
    ["by time", { since: now - 7_200_000, until: now, limit: 51 }, /USING INDEX sqlite_autoindex_events_1 \(id>\? AND id<\?\)/],
    ["a later page", { before: "evt_01JD0000000000000000000000", limit: 51 }, /USING INDEX sqlite_autoindex_events_1 \(id<\?\)/],
  ] as const)("%s", (_, query, expected) => {
    const found = plan(query);
    expect(found).toMatch(expected);
    expect(found).not.toContain("TEMP B-TREE");
  });
});
