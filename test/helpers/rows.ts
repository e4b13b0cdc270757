// Backend-neutral row reads for assertions: the same SELECT against the SQLite file a test made
// or the PostgreSQL database it was given. The tests read synchronously (bun:sqlite is), so on
// PostgreSQL the query goes through psql, whose answer comes back as JSON rows with the column
// names the SQL gave: SQLite's rows and PostgreSQL's look alike (times are bigints there, text
// columns text). Only plain SELECTs with `?` placeholders are portable, and for set-up, plain
// statements both dialects take (`execute`); what only SQLite has (PRAGMAs, locks) belongs to
// its SQLite-only tests. A test that reads many times (a poll, a property run hundreds of times)
// reads through `select` instead: asynchronous, over one connection, with no process per read.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { openSqliteClient } from "../../src/runtime/sqlite.ts";
import { adminClient } from "./pg.ts";

export type Row = Record<string, unknown>;

export interface Rows {
  query(sql: string): { get(...params: unknown[]): Row | undefined; all(...params: unknown[]): Row[] };
  /** Runs one statement that answers no rows: rows written as a daemon would have left them. */
  execute(sql: string): void;
}

export const isPostgresUrl = (location: string) => /^postgres(ql)?:\/\//.test(location);

/** A SQL literal for a placeholder's value (test values only: ids, names, numbers). */
function literal(value: unknown): string {
  if (value === null || value === undefined) return "NULL";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return `'${String(value).replaceAll("'", "''")}'`;
}

/** Runs one statement with psql against `url`; returns what it printed. */
export function psql(url: string, statement: string): string {
  return execFileSync("psql", [url, "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", statement], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function postgresRows(url: string): Rows {
  const all = (sql: string, params: unknown[]): Row[] => {
    let i = 0;
    const bound = sql.replace(/\?/g, () => literal(params[i++]));
    return JSON.parse(psql(url, `SELECT coalesce(json_agg(t), '[]') FROM (${bound}) t`)) as Row[];
  };
  return {
    query: (sql) => ({ get: (...params) => all(sql, params)[0], all: (...params) => all(sql, params) }),
    execute: (sql) => void psql(url, sql),
  };
}

function sqliteRows(path: string): Rows {
  const read = <T>(body: (client: ReturnType<typeof openSqliteClient>) => T): T => {
    const client = openSqliteClient(path, { create: false });
    try {
      return body(client);
    } finally {
      client.close();
    }
  };
  return {
    query: (sql) => ({
      get: (...params) => read((c) => (c.query(sql).get(...(params as never[])) ?? undefined) as Row | undefined),
      all: (...params) => read((c) => c.query(sql).all(...(params as never[])) as Row[]),
    }),
    execute: (sql) => read((c) => void c.run(sql)),
  };
}

/** One SELECT with `?` placeholders, answered with its rows in order. */
export type Select = (sql: string, ...params: unknown[]) => Promise<Row[]>;

/**
 * `select` on a PostgreSQL database over one postgres.js connection (bigints as numbers, as the
 * psql reads give them), and `close` for when the test is done. Column names are as the SQL
 * gives them; PostgreSQL folds an unquoted alias to lower case, so a camelCase one is quoted.
 */
export function postgresSelect(url: string): { select: Select; close(): Promise<void> } {
  const sql = adminClient(url, 1);
  return {
    select: async (text, ...params) => {
      let i = 0;
      return [...(await sql.unsafe(text.replace(/\?/g, () => `$${++i}`), params as never[]))] as Row[];
    },
    close: () => sql.end({ timeout: 1 }),
  };
}

/** Reads rows from an SQLite file path or a postgres:// URL. */
export function rowsOf(location: string): Rows {
  return isPostgresUrl(location) ? postgresRows(location) : sqliteRows(location);
}

/** Whether Herald has made its database there: the SQLite file, or any table in a PostgreSQL database. */
export function databaseMade(location: string): boolean {
  if (!isPostgresUrl(location)) return existsSync(location);
  return psql(location, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'").trim() !== "0";
}
