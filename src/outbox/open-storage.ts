// Picks the storage backend a config names: `[storage] path` is SQLite, `[storage] url` is
// PostgreSQL. The one place above the backends that knows both exist.

import type { StorageConfig } from "../config/runtime.ts";
import { StorageError } from "../core/errors.ts";
import { openSqliteStorage } from "./sqlite/storage.ts";
import type { Storage } from "./types.ts";

/** Opens (and migrates) the configured storage; the caller closes it. */
export async function openStorage(config: StorageConfig): Promise<Storage> {
  if (config.url === undefined) return openSqliteStorage(config.path, { synchronous: config.synchronous });
  throw new StorageError("PostgreSQL storage is not available in this build"); // merged with src/outbox/postgres
}
