// Herald's small closed set of errors. Anything else thrown is wrapped with `cause` kept.

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: ReadonlyArray<{ path: string; message: string }>) {
    super(problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  }
}

/** The database cannot be read or written (locked, read-only, disk full, I/O error). */
export class StorageError extends Error {
  override readonly name = "StorageError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** The listen address cannot be bound (in use, not permitted, not an address of this host). */
export class ListenError extends Error {
  override readonly name = "ListenError";
}

/** Another live `herald serve` owns the database. */
export class OwnershipError extends Error {
  override readonly name = "OwnershipError";
}

/** The command line was wrong (exit 2, with a pointer to the command's --help). */
export class UsageError extends Error {
  /** The command it is about, when known: the hint names its --help. */
  command?: string;
}

/** A command ran but could not do what was asked (exit 1, the message on stderr). */
export class CommandError extends Error {}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
