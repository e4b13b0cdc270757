// node:sqlite (built into Deno, and into Node) as a SqliteDriver, in bun:sqlite's shape:
// get() answers null for no row, booleans bind as 0/1 and undefined as NULL, values() gives
// arrays. Used under Deno; Bun has node:sqlite too, so importing this module is harmless there.

import { existsSync } from "node:fs";
import { DatabaseSync, type StatementSync } from "node:sqlite";
import type { DriverDatabase, DriverStatement, SqliteDriver, SqliteValue } from "./sqlite-driver.ts";

/** SQLITE_CANTOPEN: what SQLite itself answers for a missing file opened without create. */
const CANTOPEN = 14;

type Bindable = string | number | bigint | null | Uint8Array;

function bindable(params: SqliteValue[]): Bindable[] {
  return params.map((value) => (value === undefined ? null : typeof value === "boolean" ? (value ? 1 : 0) : value));
}

function statement(stmt: StatementSync): DriverStatement {
  return {
    run(...params) {
      const { changes, lastInsertRowid } = stmt.run(...bindable(params));
      return { changes: Number(changes), lastInsertRowid };
    },
    get: (...params) => stmt.get(...bindable(params)) ?? null,
    all: (...params) => stmt.all(...bindable(params)),
    values(...params) {
      stmt.setReturnArrays(true);
      try {
        return stmt.all(...bindable(params)) as unknown as unknown[][];
      } finally {
        stmt.setReturnArrays(false);
      }
    },
  };
}

function open(path: string, options: { create: boolean }): DriverDatabase {
  if (!options.create && path !== ":memory:" && !existsSync(path)) {
    throw Object.assign(new Error("unable to open database file"), { code: "ERR_SQLITE_ERROR", errcode: CANTOPEN });
  }
  // Double-quoted strings are accepted as bun:sqlite's SQLite build does; foreign keys are set
  // by the caller's PRAGMA on both runtimes.
  const db = new DatabaseSync(path, { enableDoubleQuotedStringLiterals: true, enableForeignKeyConstraints: false });
  return {
    exec: (sql) => db.exec(sql),
    prepare: (sql) => statement(db.prepare(sql)),
    inTransaction: () => db.isTransaction,
    close: () => db.close(),
  };
}

/**
 * SQLite's own texts for the primary codes that matter above the seam (sqlite3_errstr, and
 * sqlite3_errmsg for constraints), for errors that carry no code: Deno's exec() throws them.
 */
const CODES_BY_MESSAGE: Array<[RegExp, number]> = [
  [/^database is locked$/, 5],
  [/^database table is locked/, 6],
  [/^attempt to write a readonly database$/, 8],
  [/^disk I\/O error$/, 10],
  [/^database disk image is malformed$/, 11],
  [/^database or disk is full$/, 13],
  [/^unable to open database file$/, 14],
  [/^string or blob too big$/, 18],
  [/constraint failed/, 19],
  [/^file is not a database$/, 26],
];

/**
 * node:sqlite's errors say ERR_SQLITE_ERROR and carry SQLite's extended result code as errcode,
 * except (in Deno) those of exec(), which have only the message.
 */
function errorCode(error: unknown): number | undefined {
  const { code, errcode, message } = (error ?? {}) as { code?: unknown; errcode?: unknown; message?: unknown };
  if (code !== "ERR_SQLITE_ERROR") return undefined;
  if (typeof errcode === "number") return errcode;
  const text = typeof message === "string" ? message : "";
  return CODES_BY_MESSAGE.find(([pattern]) => pattern.test(text))?.[1] ?? 1;
}

export const nodeSqlite: SqliteDriver = { open, errorCode };
