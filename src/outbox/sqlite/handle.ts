// Opening the SQLite outbox file over the runtime's SQLite client (src/runtime/sqlite.ts:
// bun:sqlite or node:sqlite): PRAGMAs, migrations, and the lock-wait and fsync settings the
// backend's modules switch per statement.

import { StorageError, errorMessage } from "../../core/errors.ts";
import { openSqliteClient, type SqliteClient } from "../../runtime/sqlite.ts";
import { drizzleOver, type SqliteDrizzle } from "../../runtime/sqlite-drizzle.ts";
import { PUBLISH_LOCK_WAIT_MS } from "../group-commit.ts";
import { MIGRATIONS } from "./migrations.ts";
import { prepareDatabaseFile } from "../private-files.ts";
import * as schema from "./schema.ts";

export type OutboxDb = SqliteDrizzle<typeof schema>;

export interface SqliteHandle {
  /** The database file (":memory:" for tests that need no file). */
  path: string;
  db: OutboxDb;
  /** Raw client for PRAGMAs and checkpoints. */
  client: SqliteClient;
  /** The durability level the file was opened with. */
  synchronous: OpenOptions["synchronous"];
  /** How long a statement waits for another process's lock, unless withBusyTimeout says otherwise. */
  busyTimeoutMs: number;
  close(): void;
}

export interface OpenOptions {
  /** "full" survives power loss; "normal" survives a killed process but may lose the last commits on power loss. */
  synchronous: "full" | "normal";
}

/**
 * How long a CLI command waits for another process's lock (the daemon's commit, a backup)
 * before failing: it is a process of its own, and an operator would rather wait than retry.
 */
export const BUSY_TIMEOUT_MS = 5_000;

/**
 * How long the daemon waits for another process's lock, on every statement. SQLite waits on
 * the calling thread, and the daemon's one thread serves every request and every delivery: a
 * 5 s wait in a settle or an admin write held /healthz, reads and publishes for 5 s too. What
 * gives up retries cheaply: a publish or an admin call answers 503 (providers give a webhook
 * about 5 s), a claim leaves its rows pending, a settle is kept and written at the next tick.
 * It is the wait a publish allows (group-commit.ts), so the daemon's statements all share it.
 */
export const QUICK_BUSY_TIMEOUT_MS = PUBLISH_LOCK_WAIT_MS;

/**
 * Sets how long every statement on this connection waits for another process's lock. A
 * connection opens with BUSY_TIMEOUT_MS (opening, migrating and taking ownership may wait for a
 * CLI command); `serve` then lowers it to QUICK_BUSY_TIMEOUT_MS before it serves anything.
 */
export function setBusyTimeout(handle: SqliteHandle, ms: number): void {
  handle.client.exec(`PRAGMA busy_timeout = ${ms}`);
  handle.busyTimeoutMs = ms;
}

/**
 * Runs `run` with a different wait for another process's lock, then restores the handle's own.
 * A connection still on BUSY_TIMEOUT_MS (the CLI's) uses it for paths that must answer quickly.
 */
export function withBusyTimeout<T>(handle: Pick<SqliteHandle, "client" | "busyTimeoutMs">, ms: number, run: () => T): T {
  if (ms === handle.busyTimeoutMs) return run();
  handle.client.exec(`PRAGMA busy_timeout = ${ms}`);
  try {
    return run();
  } finally {
    handle.client.exec(`PRAGMA busy_timeout = ${handle.busyTimeoutMs}`);
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
    // Waits for a lock held by another process (a CLI retry, a backup) instead of failing at once.
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
  return { path, db, client, synchronous: options.synchronous, busyTimeoutMs: BUSY_TIMEOUT_MS, close: () => client.close() };
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
