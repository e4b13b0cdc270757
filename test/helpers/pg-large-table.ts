// A migrated PostgreSQL database holding a large table, for the tests of query plans: row i is
// made at its own time, one every `stepMs` up to `now`, with ids from Herald's generator at that
// time, so ids and times order alike as they do in a real table.
import { createIdGenerator, type IdGenerator } from "../../src/core/ids.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import { adminClient, type AdminSql, type PgDatabase } from "./pg.ts";

export interface LargeTable<R> {
  count: number;
  now: number;
  stepMs: number;
  row: (i: number, at: number, ids: IdGenerator) => R;
  /** Writes the rows (an INSERT from unnest of arrays writes 100,000 in about a second). */
  insert: (admin: AdminSql, rows: R[]) => Promise<unknown>;
}

/** Runs `body` over a new database of `db` holding the table's rows, analysed for the planner. */
export async function withLargeTable<R>(db: PgDatabase, table: LargeTable<R>, body: (admin: AdminSql, rows: R[]) => Promise<void>): Promise<void> {
  const url = await db.create();
  await (await openPostgresStorage(url, { migrate: true })).close();
  const admin = adminClient(url);
  try {
    let at = table.now - table.count * table.stepMs;
    const ids = createIdGenerator({ now: () => at });
    const rows = Array.from({ length: table.count }, (_, i) => table.row(i, (at += table.stepMs), ids));
    await table.insert(admin, rows);
    await admin`ANALYZE`;
    await body(admin, rows);
  } finally {
    await admin.end();
  }
}
