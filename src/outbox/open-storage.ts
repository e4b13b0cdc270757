// Picks the storage backend a config names: `[storage] path` is SQLite, `[storage] url` is
// PostgreSQL. The one place above the backends that knows both exist.

import type { StorageConfig } from "../config/runtime.ts";
import { openPostgresStorage } from "./postgres/open.ts";
import { peekSqlitePending } from "./sqlite/destination-state.ts";
import { openSqliteStorage } from "./sqlite/storage.ts";
import type { Storage } from "./types.ts";

/**
 * Opens the configured storage; the caller closes it. `migrate` (serve) brings the schema up
 * to date; without it (the CLI's outbox commands) a PostgreSQL schema older than this Herald
 * is refused, saying to start serve once. SQLite migrates at open either way: the file is
 * this host's alone.
 */
export async function openStorage(config: StorageConfig, options: { migrate?: boolean } = {}): Promise<Storage> {
  if (config.url === undefined) return openSqliteStorage(config.path, { synchronous: config.synchronous });
  return openPostgresStorage(config.url, { applicationName: "herald", migrate: options.migrate ?? false });
}

/**
 * Pending deliveries per destination, for `herald check`, which must change nothing and never
 * fail for want of storage: read from an existing SQLite file without creating, migrating or
 * locking it; undefined for PostgreSQL (check does not connect to a server) or an unreadable file.
 */
export function peekPendingByDestination(config: StorageConfig): Map<string, number> | undefined {
  return config.path === undefined ? undefined : peekSqlitePending(config.path);
}
