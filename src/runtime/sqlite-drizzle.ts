// Drizzle over the SqliteClient. drizzle-orm has no node:sqlite driver, and its bun-sqlite
// driver module imports bun:sqlite itself; its session, though, only calls exec, prepare (run,
// all, get, values) and transaction, which the client provides in bun:sqlite's shape on both
// runtimes. This builds what drizzle-orm/bun-sqlite's drizzle() builds, over that session.

import { SQLiteBunSession } from "drizzle-orm/bun-sqlite/session";
import { createTableRelationsHelpers, extractTablesRelationalConfig } from "drizzle-orm/relations";
import { BaseSQLiteDatabase, SQLiteSyncDialect } from "drizzle-orm/sqlite-core";
import type { RunResult, SqliteClient } from "./sqlite.ts";

export type SqliteDrizzle<TSchema extends Record<string, unknown>> = BaseSQLiteDatabase<"sync", RunResult, TSchema>;

export function drizzleOver<TSchema extends Record<string, unknown>>(client: SqliteClient, schema: TSchema): SqliteDrizzle<TSchema> {
  const dialect = new SQLiteSyncDialect();
  const tables = extractTablesRelationalConfig(schema, createTableRelationsHelpers);
  const relational = { fullSchema: schema, schema: tables.tables, tableNamesMap: tables.tableNamesMap };
  // The session is typed for bun:sqlite's Database; it uses only what SqliteClient has.
  const session = new SQLiteBunSession(client as never, dialect, relational as never);
  return new BaseSQLiteDatabase("sync", dialect, session as never, relational as never) as SqliteDrizzle<TSchema>;
}
