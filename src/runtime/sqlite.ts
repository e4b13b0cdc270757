// The one SQLite client the outbox, its worker and Drizzle use, on either runtime: bun:sqlite
// under Bun, node:sqlite under Deno. The driver is picked once, at load, and imported
// dynamically, so Deno never parses a bun: import. Every error a driver throws leaves this
// module as a DatabaseError (sqlite-errors.ts).

import { RUNTIME } from "./which.ts";
import { toDatabaseError } from "./sqlite-errors.ts";
import { nodeSqlite } from "./sqlite-node.ts";
import type { DriverDatabase, DriverStatement, RunResult, SqliteDriver, SqliteValue } from "./sqlite-driver.ts";

export type { RunResult, SqliteValue } from "./sqlite-driver.ts";
export type SqliteStatement = DriverStatement;

export type TransactionMode = "deferred" | "immediate" | "exclusive";

/** As bun:sqlite's: calling it runs a deferred transaction; a mode names another. */
export type Transaction<A extends unknown[], R> = ((...args: A) => R) & Record<TransactionMode, (...args: A) => R>;

export interface SqliteClient {
  exec(sql: string): void;
  prepare(sql: string): SqliteStatement;
  /** prepare(), cached by its SQL text for the connection's life. */
  query(sql: string): SqliteStatement;
  run(sql: string, params?: SqliteValue[]): RunResult;
  /** Wraps fn in BEGIN/COMMIT (ROLLBACK when it throws); inside another transaction, in a savepoint. */
  transaction<A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R>;
  close(): void;
}

// bun:sqlite is required, not imported: a static import puts the bun: scheme in Deno's module
// graph, which refuses it, and a dynamic one needs a top-level await, which the compiled
// binary's bytecode (CommonJS) cannot hold. Deno does not follow require() in a module.
const runtimeDriver: SqliteDriver = RUNTIME === "deno" ? nodeSqlite : (require("./sqlite-bun.ts") as { bunSqlite: SqliteDriver }).bunSqlite;

type Guard = <A extends unknown[], R>(call: (...args: A) => R) => (...args: A) => R;

/** Wraps a driver call so that what it throws leaves as a DatabaseError. */
function guarding(driver: SqliteDriver): Guard {
  return (call) =>
    (...args) => {
      try {
        return call(...args);
      } catch (error) {
        throw toDatabaseError(error, driver.errorCode(error));
      }
    };
}

function guardStatement(guard: Guard, stmt: DriverStatement): SqliteStatement {
  return {
    run: guard((...params: SqliteValue[]) => stmt.run(...params)),
    get: guard((...params: SqliteValue[]) => stmt.get(...params)),
    all: guard((...params: SqliteValue[]) => stmt.all(...params)),
    values: guard((...params: SqliteValue[]) => stmt.values(...params)),
  };
}

function transactions(db: DriverDatabase, exec: (sql: string) => void) {
  let savepoints = 0;
  return <A extends unknown[], R>(fn: (...args: A) => R): Transaction<A, R> => {
    const inMode =
      (mode: TransactionMode) =>
      (...args: A): R => {
        if (db.inTransaction()) {
          const name = `herald_sp${savepoints++}`;
          exec(`SAVEPOINT ${name}`);
          try {
            const result = fn(...args);
            exec(`RELEASE ${name}`);
            return result;
          } catch (error) {
            exec(`ROLLBACK TO ${name}`);
            exec(`RELEASE ${name}`);
            throw error;
          } finally {
            savepoints--;
          }
        }
        exec(`BEGIN ${mode.toUpperCase()}`);
        try {
          const result = fn(...args);
          exec("COMMIT");
          return result;
        } catch (error) {
          // A failed COMMIT (SQLITE_BUSY) leaves the transaction open; a failed BEGIN opened none.
          if (db.inTransaction()) exec("ROLLBACK");
          throw error;
        }
      };
    return Object.assign(inMode("deferred"), { deferred: inMode("deferred"), immediate: inMode("immediate"), exclusive: inMode("exclusive") });
  };
}

/** Opens (and by default creates) the database file; a missing file without create is SQLITE_CANTOPEN. */
export function openSqliteClient(path: string, options: { create?: boolean } = {}): SqliteClient {
  return openSqliteClientWith(runtimeDriver, path, options);
}

/** The same over a given driver: tests run both drivers under Bun, which has node:sqlite too. */
export function openSqliteClientWith(driver: SqliteDriver, path: string, options: { create?: boolean } = {}): SqliteClient {
  const guard = guarding(driver);
  const db = guard(() => driver.open(path, { create: options.create ?? true }))();
  const exec = guard((sql: string) => db.exec(sql));
  const prepare = guard((sql: string) => guardStatement(guard, db.prepare(sql)));
  const cache = new Map<string, SqliteStatement>();
  const query = (sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) cache.set(sql, (stmt = prepare(sql)));
    return stmt;
  };
  return {
    exec,
    prepare,
    query,
    run: (sql, params = []) => query(sql).run(...params),
    transaction: transactions(db, exec),
    close: guard(() => {
      cache.clear();
      db.close();
    }),
  };
}
