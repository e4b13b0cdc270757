// bun:sqlite as a SqliteDriver. Loaded only under Bun (sqlite.ts imports it dynamically), so
// Deno never meets the bun: scheme.

import { Database } from "bun:sqlite";
import type { DriverDatabase, DriverStatement, SqliteDriver } from "./sqlite-driver.ts";

function open(path: string, options: { create: boolean }): DriverDatabase {
  const db = options.create ? new Database(path, { create: true, strict: true }) : new Database(path, { readwrite: true, create: false, strict: true });
  return {
    exec: (sql) => void db.exec(sql),
    // bun:sqlite's statements already have run, get (null when empty), all and values, and
    // bind undefined as NULL.
    prepare: (sql) => db.prepare(sql) as unknown as DriverStatement,
    inTransaction: () => db.inTransaction,
    // close(true) finalizes the prepared statements first. A plain close() leaves the connection
    // open until they are garbage collected, which may be never before the process exits: the
    // last connection then never closes, and a clean stop leaves -wal and -shm files behind.
    close: () => db.close(true),
  };
}

/** bun:sqlite's errors carry the extended result code as errno. */
function errorCode(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | undefined)?.errno;
  return error instanceof Error && error.name === "SQLiteError" && typeof errno === "number" ? errno : undefined;
}

export const bunSqlite: SqliteDriver = { open, errorCode };
