// What each runtime's SQLite driver gives the client in sqlite.ts: the few calls Herald needs,
// in bun:sqlite's shape. sqlite-bun.ts and sqlite-node.ts implement it; nothing else imports a
// driver.

/** Values a statement binds: booleans are stored as 0/1 and undefined as NULL, as bun:sqlite does. */
export type SqliteValue = string | number | bigint | boolean | null | undefined | Uint8Array;

export interface RunResult {
  changes: number;
  lastInsertRowid: number | bigint;
}

export interface DriverStatement {
  run(...params: SqliteValue[]): RunResult;
  /** The first row, or null when there is none. */
  get(...params: SqliteValue[]): unknown;
  all(...params: SqliteValue[]): unknown[];
  /** Rows as arrays of column values (Drizzle reads selected columns this way). */
  values(...params: SqliteValue[]): unknown[][];
}

export interface DriverDatabase {
  exec(sql: string): void;
  prepare(sql: string): DriverStatement;
  inTransaction(): boolean;
  /** Finalizes every statement and closes the connection now. */
  close(): void;
}

export interface DriverOpenOptions {
  /** false: the file must exist already (the checkpoint worker never creates one). */
  create: boolean;
}

/** The driver's own reading of an error it threw: SQLite's extended result code, when it has one. */
export type DriverErrorCode = (error: unknown) => number | undefined;

export interface SqliteDriver {
  open(path: string, options: DriverOpenOptions): DriverDatabase;
  errorCode: DriverErrorCode;
}
