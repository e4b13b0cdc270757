// The one error type storage throws for "storage cannot take this now": a lock held elsewhere,
// a full or read-only disk, a server that is down or in read-only mode, a lost connection. The
// ingress answers it 503 with nothing stored, /readyz reports it, the scheduler retries later.
// Each backend translates its driver's errors into it at the seam, so nothing above knows which
// driver ran. Its message names the problem in Herald's words and never carries a password.

import { StorageError } from "../core/errors.ts";

export type StorageFaultKind = "busy" | "full" | "read_only" | "unavailable" | "io" | "corrupt" | "denied";

export class StorageFault extends Error {
  override readonly name = "StorageFault";
  constructor(
    readonly kind: StorageFaultKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function isStorageFault(error: unknown): error is StorageFault {
  return error instanceof StorageFault;
}

/**
 * A PostgreSQL database that holds no Herald schema yet (no `schema_migrations` rows: a new
 * database, or one with other applications' tables only), opened without migrating. The CLI
 * treats it as SQLite's "no file yet": an outbox with nothing in it, left as it is for the
 * first `herald serve` to migrate.
 */
export class NoSchemaYet extends StorageError {}
