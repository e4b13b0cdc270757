// One error type for everything the SQLite drivers throw. Each driver reads its own error shape
// into SQLite's result code (sqlite-bun.ts, sqlite-node.ts); this module names it, so nothing
// above the seam knows which driver ran: a full disk is `kind: "full"`, `code: "SQLITE_FULL"`
// on Bun and on Deno alike.

import { errorMessage } from "../core/errors.ts";

export type DatabaseErrorKind = "busy" | "locked" | "full" | "readonly" | "constraint" | "io" | "corrupt" | "cantopen" | "denied" | "toobig" | "other";

/** SQLite's primary result codes (the low byte of an extended code), by name and kind. */
const PRIMARY: Record<number, [name: string, kind: DatabaseErrorKind]> = {
  3: ["PERM", "denied"],
  5: ["BUSY", "busy"],
  6: ["LOCKED", "locked"],
  8: ["READONLY", "readonly"],
  10: ["IOERR", "io"],
  11: ["CORRUPT", "corrupt"],
  13: ["FULL", "full"],
  14: ["CANTOPEN", "cantopen"],
  18: ["TOOBIG", "toobig"],
  19: ["CONSTRAINT", "constraint"],
  23: ["AUTH", "denied"],
  26: ["NOTADB", "corrupt"],
};

/** Kinds that mean "the database cannot take writes right now" rather than "this write is wrong". */
const FAULTS: ReadonlySet<DatabaseErrorKind> = new Set(["busy", "locked", "full", "readonly", "io", "corrupt", "cantopen", "denied"]);

/**
 * Not a StorageError (core/errors.ts): that one is Herald's own verdict, with the file named
 * (openSqlite wraps a DatabaseError thrown at open into one); this is one failed statement.
 */
export class DatabaseError extends Error {
  override readonly name = "DatabaseError";
  /** "SQLITE_" and the primary code's name, e.g. SQLITE_BUSY, the same on every runtime. */
  readonly code: string;
  constructor(
    message: string,
    readonly kind: DatabaseErrorKind,
    /** SQLite's extended result code. */
    readonly errno: number,
    cause: unknown,
  ) {
    super(message, { cause });
    this.code = `SQLITE_${PRIMARY[errno & 0xff]?.[0] ?? "ERROR"}`;
  }
}

/** The driver's error as a DatabaseError; anything that is not SQLite's (a bad binding) as it was. */
export function toDatabaseError(error: unknown, extendedCode: number | undefined): unknown {
  if (extendedCode === undefined || error instanceof DatabaseError) return error;
  return new DatabaseError(errorMessage(error), PRIMARY[extendedCode & 0xff]?.[1] ?? "other", extendedCode, error);
}

/**
 * Errors that mean "the database cannot take writes right now" (answered 503, nothing stored).
 * Besides DatabaseError, any error whose code names such a fault counts (the WAL's own fsync
 * failure, wal-sync.ts, says SQLITE_IOERR_FSYNC).
 */
export function isStorageFault(error: unknown): boolean {
  if (error instanceof DatabaseError) return FAULTS.has(error.kind);
  const code = (error as { code?: unknown })?.code;
  return typeof code === "string" && /^SQLITE_(BUSY|LOCKED|READONLY|FULL|IOERR|CANTOPEN|CORRUPT|NOTADB|PERM|AUTH)/.test(code);
}
