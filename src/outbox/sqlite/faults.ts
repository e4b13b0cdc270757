// The SQLite backend's edge of the storage seam: every method above it returns a Promise, and
// every driver error that means "the database cannot take this now" leaves as a StorageFault
// (../errors.ts), so nothing above knows a SQLite result code. Inside, the backend stays
// synchronous (prepared statements, IMMEDIATE transactions): a method's work is done when it
// returns, and the Promise it hands back is already settled.

import { DatabaseError, type DatabaseErrorKind } from "../../runtime/sqlite-errors.ts";
import { StorageFault, type StorageFaultKind } from "../errors.ts";
import { FSYNC_FAILED } from "./wal-sync.ts";

const KINDS: Partial<Record<DatabaseErrorKind, StorageFaultKind>> = {
  busy: "busy",
  locked: "busy",
  full: "full",
  readonly: "read_only",
  io: "io",
  corrupt: "corrupt",
  cantopen: "unavailable",
  denied: "denied",
};

/** A driver error as the seam's StorageFault, with the same message; anything else as it was. */
export function toStorageFault(error: unknown): unknown {
  if (error instanceof StorageFault) return error;
  if (error instanceof DatabaseError) {
    const kind = KINDS[error.kind];
    return kind ? new StorageFault(kind, error.message, { cause: error }) : error;
  }
  // The WAL's own fsync (wal-sync.ts) fails outside any statement.
  if ((error as { code?: unknown })?.code === FSYNC_FAILED) return new StorageFault("io", (error as Error).message, { cause: error });
  return error;
}

type Async<T> = { [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K] };

const rethrow = (error: unknown): never => {
  throw toStorageFault(error);
};

/**
 * Each method as one that returns a Promise and throws StorageFault. A synchronous result comes
 * back as an already resolved Promise, so the caller's await continues in the same turn of the
 * event loop (the group commit's groups form exactly as with direct calls).
 */
export function behindSeam<T extends object>(methods: T): Async<T> {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(methods)) {
    if (typeof value !== "function") {
      wrapped[name] = value;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      try {
        const result: unknown = value(...args);
        return result instanceof Promise ? result.catch(rethrow) : Promise.resolve(result);
      } catch (error) {
        return Promise.reject(toStorageFault(error));
      }
    };
  }
  return wrapped as Async<T>;
}
