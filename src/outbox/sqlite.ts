// Opening the SQLite outbox over the runtime's SQLite client (src/runtime/sqlite.ts: bun:sqlite
// or node:sqlite). A PostgreSQL backend replaces this file and the query modules behind the
// Outbox interface.

import { StorageError, errorMessage } from "../core/errors.ts";
import { openSqliteClient, type SqliteClient } from "../runtime/sqlite.ts";
import { drizzleOver, type SqliteDrizzle } from "../runtime/sqlite-drizzle.ts";
import { MIGRATIONS } from "./migrations.ts";
import { prepareDatabaseFile } from "./private-files.ts";
import * as schema from "./schema.ts";

export type OutboxDb = SqliteDrizzle<typeof schema>;
export { isStorageFault } from "../runtime/sqlite-errors.ts";

export interface SqliteHandle {
  /** The database file (":memory:" for tests that need no file). */
  path: string;
  db: OutboxDb;
  /** Raw client for PRAGMAs and checkpoints. */
  client: SqliteClient;
  /** The durability level the file was opened with. */
  synchronous: OpenOptions["synchronous"];
  close(): void;
}

export interface OpenOptions {
  /** "full" survives power loss; "normal" survives a killed process but may lose the last commits on power loss. */
  synchronous: "full" | "normal";
}

/** How long a write waits for another process's lock (a CLI retry, a backup) before failing. */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * How long a write that can give up cheaply waits for another process's lock: a publish (the
 * producer hears 503 and sends again; providers give a webhook about 5 s to be answered) and a
 * claim (its rows stay pending for the next tick). SQLite waits on the daemon's thread, so a
 * 5 s wait there would hold every request for 5 s.
 */
export const QUICK_BUSY_TIMEOUT_MS = 250;

/**
 * Runs `run` with a different wait for another process's lock, then restores BUSY_TIMEOUT_MS.
 * SQLite waits on the calling thread, so on the daemon's thread a long wait stalls every
 * request: paths that must answer quickly (a publish, the /readyz probe) wait less.
 */
export function withBusyTimeout<T>(client: SqliteClient, ms: number, run: () => T): T {
  client.exec(`PRAGMA busy_timeout = ${ms}`);
  try {
    return run();
  } finally {
    client.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}

/**
 * Runs a write transaction without an fsync of its own, for scheduling state that at-least-once
 * delivery can afford to lose to a power cut: claims (a lost claim leaves rows pending, just
 * as a crash after a durable claim does) and settled attempts (a lost settlement means the
 * delivery is sent again: a duplicate, which receivers already deduplicate). WAL mode stays
 * consistent, a killed process loses nothing (the OS has the pages), and the next durable
 * commit (an accepted event) syncs these frames too. Accepted events are never written this way.
 */
export function withoutOwnFsync<T>(handle: Pick<SqliteHandle, "client" | "synchronous">, run: () => T): T {
  if (handle.synchronous !== "full") return run();
  handle.client.exec("PRAGMA synchronous = NORMAL");
  try {
    return run();
  } finally {
    handle.client.exec("PRAGMA synchronous = FULL");
  }
}

export function openSqlite(path: string, options: OpenOptions): SqliteHandle {
  let client: SqliteClient;
  try {
    if (path !== ":memory:") prepareDatabaseFile(path);
    client = openSqliteClient(path);
    client.exec("PRAGMA journal_mode = WAL");
    client.exec(`PRAGMA synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
    // Waits for a lock held by `herald retry` or a backup instead of failing at once.
    client.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
    client.exec("PRAGMA foreign_keys = ON");
    // 32 MiB of page cache (SQLite's default is 2 MiB): with a large outbox, the index pages
    // every write touches stay in memory.
    client.exec("PRAGMA cache_size = -32768");
    // After a checkpoint the WAL file is cut back to this size, so it cannot grow unbounded.
    client.exec("PRAGMA journal_size_limit = 67108864");
    migrate(client);
    assertWritable(client);
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw new StorageError(`cannot open database ${path}: ${errorMessage(error)}`, { cause: error });
  }
  const db = drizzleOver(client, schema);
  return { path, db, client, synchronous: options.synchronous, close: () => client.close() };
}

export function schemaVersion(client: SqliteClient): number {
  return (client.query("PRAGMA user_version").get() as { user_version: number }).user_version;
}

/**
 * A read-only database file whose -wal and -shm are still there (a crash leaves them) opens,
 * reads and even takes the write lock without complaint: only the first write fails. One write,
 * rolled back, finds that at open, where the error names the file.
 */
function assertWritable(client: SqliteClient): void {
  client.exec("BEGIN IMMEDIATE");
  try {
    client.exec(`PRAGMA user_version = ${schemaVersion(client)}`);
  } finally {
    client.exec("ROLLBACK");
  }
}

function migrate(client: SqliteClient): void {
  const current = schemaVersion(client);
  const latest = MIGRATIONS.at(-1)?.version ?? 0;
  if (current > latest) {
    throw new StorageError(`database schema version ${current} is newer than this Herald understands (${latest}); upgrade Herald`);
  }
  for (const migration of MIGRATIONS) {
    if (migration.version <= current) continue;
    client.transaction(() => {
      client.exec(migration.sql);
      client.exec(`PRAGMA user_version = ${migration.version}`);
    }).immediate();
  }
}

/** Copies the WAL back into the database and truncates it; called by the pruning task. */
export function checkpoint(client: SqliteClient): void {
  client.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}
