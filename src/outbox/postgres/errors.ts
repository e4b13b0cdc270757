// postgres.js errors in Herald's words: a server that is down, a lost connection, a read-only
// or full server become StorageFault (answered 503, nothing stored; the scheduler retries);
// anything else becomes a plain Error. The driver may put the host, user or parts of the
// connection string in a message, so the password and the URL are cut out of every message.

import { storageUrlCredentials } from "../../core/redact.ts";
import { StorageFault, type StorageFaultKind } from "../errors.ts";

/** Connection-level codes postgres.js and the socket layer use. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
  "CONNECT_TIMEOUT",
]);

/** SQLSTATE codes and classes (the first two characters) that are faults of the server, not of the write. */
const BY_STATE: Record<string, [StorageFaultKind, string]> = {
  "25006": ["read_only", "the PostgreSQL server only takes reads (read-only transaction mode or a standby)"],
  "40P01": ["busy", "a PostgreSQL deadlock cut the transaction short"],
  "40001": ["busy", "a PostgreSQL serialization conflict cut the transaction short"],
  "55P03": ["busy", "a PostgreSQL lock is held elsewhere"],
  "57014": ["busy", "a PostgreSQL statement ran past its timeout"],
  "53300": ["busy", "the PostgreSQL server has no connection slot free"],
  "42501": ["denied", "the PostgreSQL role lacks a privilege Herald needs"],
  "28P01": ["denied", "PostgreSQL refused the password"],
  "28000": ["denied", "PostgreSQL refused the role"],
  XX001: ["corrupt", "PostgreSQL reports corrupt data"],
  XX002: ["corrupt", "PostgreSQL reports a corrupt index"],
};
const BY_CLASS: Record<string, [StorageFaultKind, string]> = {
  "08": ["unavailable", "the connection to PostgreSQL failed"],
  "53": ["full", "the PostgreSQL server is out of resources (disk full or out of memory)"],
  "57": ["unavailable", "the PostgreSQL server is shutting down or restarting"],
  "58": ["io", "the PostgreSQL server had an I/O error"],
};

export interface Scrubber {
  (text: string): string;
}

/** A function that cuts the URL's password and the URL itself out of a message. */
export function createScrubber(url: string): Scrubber {
  const secrets = [url, ...storageUrlCredentials(url)];
  const unique = [...new Set(secrets.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  return (text) => unique.reduce((out, secret) => out.split(secret).join("***"), text);
}

interface DriverError {
  code?: unknown;
  message?: unknown;
}

/** The error's SQLSTATE, when the server sent one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as DriverError | undefined)?.code;
  return typeof code === "string" && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

/** Whether this error is worth one retry of the whole transaction (a deadlock or serialization failure). */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}

/** The driver's error as a StorageFault or a plain Error, with nothing secret in its message. */
export function translate(error: unknown, scrub: Scrubber): Error {
  if (error instanceof StorageFault) return error;
  const raw = error as DriverError | undefined;
  const detail = scrub(typeof raw?.message === "string" ? raw.message : String(error));
  const code = typeof raw?.code === "string" ? raw.code : undefined;
  const tlsProblem = tlsFailure(code, detail);
  if (tlsProblem) return new StorageFault("unavailable", tlsProblem, { cause: error });
  if (code !== undefined && UNAVAILABLE_CODES.has(code)) {
    return new StorageFault("unavailable", `PostgreSQL is unavailable (${detail})`, { cause: error });
  }
  const state = sqlState(error);
  const known = state ? (BY_STATE[state] ?? BY_CLASS[state.slice(0, 2)]) : undefined;
  if (known) return new StorageFault(known[0], `${known[1]}: ${detail} (SQLSTATE ${state})`, { cause: error });
  // No schema on the search path exists: migrations have nowhere to create Herald's tables.
  if (state === "3F000") return new Error(`PostgreSQL: ${detail}: no schema of the search path exists (the URL's search_path, or public); create it first (SQLSTATE 3F000)`, { cause: error });
  return new Error(`PostgreSQL: ${detail}${state ? ` (SQLSTATE ${state})` : ""}`, { cause: error });
}

/** What went wrong setting up TLS, in words that point at the URL's TLS options; undefined for other errors. */
function tlsFailure(code: string | undefined, detail: string): string | undefined {
  if (code === "ERR_TLS_CERT_ALTNAME_INVALID") {
    return `PostgreSQL's certificate is not for the URL's host (${detail}); connect by a name or address the certificate lists`;
  }
  if (code !== undefined && /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)/.test(code)) {
    return `PostgreSQL's certificate did not pass sslmode=verify-full (${detail}); give the CA that signed it as sslrootcert in storage.url`;
  }
  if (/before secure TLS connection was established/.test(detail)) {
    return `PostgreSQL did not set up TLS (${detail}); the server may not offer it, which sslmode=require and verify-full need`;
  }
  return undefined;
}

/** Runs `work`, retrying it once after a deadlock or serialization failure, and translates what it throws. */
export async function guarded<T>(scrub: Scrubber, work: () => Promise<T>): Promise<T> {
  try {
    try {
      return await work();
    } catch (error) {
      if (!isRetryable(error)) throw error;
      return await work();
    }
  } catch (error) {
    throw translate(error, scrub);
  }
}
