// Picks the storage backend a config names: `[storage] path` is SQLite, `[storage] url` is
// PostgreSQL. The one place above the backends that knows both exist.

import { existsSync } from "node:fs";
import type { StorageConfig } from "../config/runtime.ts";
import { redactStorageUrl } from "../core/redact.ts";
import { NoSchemaYet } from "./errors.ts";
import { openPostgresStorage } from "./postgres/open.ts";
import { PG_BACKUP_ADVICE } from "./postgres/operator.ts";
import { peekPostgresPending } from "./postgres/peek.ts";
import { peekSqlitePending } from "./sqlite/destination-state.ts";
import { openSqliteStorage } from "./sqlite/storage.ts";
import type { Storage } from "./types.ts";

/**
 * Opens the configured storage; the caller closes it. `migrate` (serve) brings the schema up
 * to date; without it a PostgreSQL schema older than this Herald is refused, saying to start
 * serve once, and one with no Herald schema at all is NoSchemaYet. SQLite migrates at open
 * either way: the file is this host's alone.
 */
export async function openStorage(config: StorageConfig, options: { migrate?: boolean } = {}): Promise<Storage> {
  if (config.url === undefined) return openSqliteStorage(config.path, { synchronous: config.synchronous });
  return openPostgresStorage(config.url, { applicationName: "herald", migrate: options.migrate ?? false });
}

/** An outbox the CLI can use, or, before the first `serve` made one, a sentence saying so. */
export type ExistingStorage = { storage: Storage; absent?: undefined } | { storage?: undefined; absent: string };

/**
 * The outbox as the operator commands find it, never created: before the first `serve` there
 * is no SQLite file, or a PostgreSQL database without Herald's schema, and both are `absent`
 * (nothing in them to show or change) and left as they are.
 */
export async function openExistingStorage(config: StorageConfig): Promise<ExistingStorage> {
  const first = `(it is created by the first "herald serve")`;
  if (config.url === undefined) {
    if (!existsSync(config.path)) return { absent: `no database at ${config.path} yet ${first}` };
    return { storage: await openStorage(config) };
  }
  try {
    return { storage: await openStorage(config) };
  } catch (error) {
    if (error instanceof NoSchemaYet) return { absent: `no Herald schema in ${redactStorageUrl(config.url)} yet ${first}` };
    throw error;
  }
}

/** Why `herald backup` cannot copy this storage and what to use instead; undefined when it can. */
export function backupAdvice(config: StorageConfig): string | undefined {
  return config.url === undefined ? undefined : PG_BACKUP_ADVICE;
}

/**
 * Pending deliveries per destination, for `herald check`, which must change nothing and never
 * fail for want of storage: read from an existing SQLite file without creating, migrating or
 * locking it, or from PostgreSQL in a short read-only session. `pending` is undefined when
 * there is nothing to read (no database or schema yet, an unreadable file); `unreachable` says
 * why a server could not be read, naming its URL without the password.
 */
export async function peekPendingByDestination(config: StorageConfig): Promise<{ pending?: Map<string, number>; unreachable?: string }> {
  if (config.url === undefined) return { pending: peekSqlitePending(config.path) };
  const peek = await peekPostgresPending(config.url);
  if ("problem" in peek) return { unreachable: `could not read the storage at ${redactStorageUrl(config.url)} to count pending deliveries: ${peek.problem}` };
  return { pending: peek.pending };
}
