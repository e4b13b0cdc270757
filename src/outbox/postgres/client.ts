// The PostgreSQL connection pool. postgres.js is the client because it runs unchanged on both
// runtimes Herald supports (on Bun, and on Deno through npm: it only needs node:net and
// node:tls), is bundled into `bun build --compile`, and measured as fast as Bun.sql (which does
// not exist on Deno). Timeouts are bounded so that a stopped or unreachable server fails a
// request in seconds (answered 503) instead of hanging it; the pool reconnects by itself on the
// next query once the server is back, within RECONNECT_MAX_DELAY_S, so nothing needs a
// restart (renewal.ts replaces a pool whose open connections are no use).

import { saslprep } from "@mongodb-js/saslprep";
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import tls, { type PeerCertificate } from "node:tls";
import postgres from "postgres";
import { StorageError } from "../../core/errors.ts";
import { parseStorageUrl, type StorageUrl } from "../../core/storage-url.ts";
import type { Scrubber } from "./errors.ts";

export type Sql = postgres.Sql<Record<string, never>>;

export interface PoolOptions {
  applicationName?: string;
  /** Connections in the pool; the daemon's writes are batched, so a few go a long way. */
  max?: number;
  /** Shorter limits than the daemon's, for a look that must not hold anything up (herald check). */
  connectTimeoutS?: number;
  statementTimeoutMs?: number;
  /** Every transaction read-only: the session cannot change the database. */
  readOnly?: boolean;
}

/** A TCP connection that takes longer than this to open counts as the server being unreachable. */
export const CONNECT_TIMEOUT_S = 5;
/** No statement of Herald's should run this long; one that does is cancelled (a lock stuck elsewhere). */
export const STATEMENT_TIMEOUT_MS = 15_000;
/** The longest wait before a connection that failed tries the server again. */
export const RECONNECT_MAX_DELAY_S = 1;

/**
 * Seconds before the next connection attempt, after `failures` in a row across the pool:
 * 0.1, 0.2, 0.4, 0.8, then 1 s. postgres.js's own grows to 20 s, so a pool that failed
 * through an outage of a few seconds sat out up to 20 s after the server was back.
 */
export const reconnectDelayS = (failures: number) => Math.min(0.05 * 2 ** failures, RECONNECT_MAX_DELAY_S);

/**
 * postgres.js's `ssl` for the URL's mode. verify-full checks the certificate against the URL's
 * host itself: postgres.js sends no server name for an IP address, and Deno then checks the
 * certificate against "localhost". With sslrootcert that CA file alone is trusted.
 */
function tlsOption(url: StorageUrl): postgres.Options<Record<string, never>>["ssl"] {
  if (url.sslmode !== "verify-full") return url.sslmode === "disable" ? false : url.sslmode;
  const checkServerIdentity = (_host: string, certificate: PeerCertificate) => tls.checkServerIdentity(url.host, certificate);
  if (url.sslrootcert === undefined) return { checkServerIdentity };
  let ca: string;
  try {
    ca = readFileSync(url.sslrootcert, "utf8");
  } catch (error) {
    throw new StorageError(`cannot read storage.url's sslrootcert ${url.sslrootcert}: ${(error as Error).message}`, { cause: error });
  }
  // Checked here: Bun's TLS throws an invalid CA out of the driver's socket, uncaught.
  try {
    new X509Certificate(ca);
  } catch {
    throw new StorageError(`storage.url's sslrootcert ${url.sslrootcert} holds no PEM certificate`);
  }
  return { ca, checkServerIdentity };
}

/**
 * The password as SCRAM must hash it: SASLprep (RFC 4013), which the server applied when the
 * password was set and libpq applies too, but postgres.js does not (a no-break space or a soft
 * hyphen failed to log in). Where SASLprep refuses the text, the server used it as it is.
 * md5 authentication hashes the password unprepared: such passwords need SCRAM.
 */
function scramPassword(password: string): string {
  try {
    return saslprep(password, { allowUnassigned: true });
  } catch {
    return password;
  }
}

/** The pool for `url`, given to postgres.js as options it cannot read otherwise (storage-url.ts says why). */
export function createPool(text: string, options: PoolOptions): Sql {
  const parsed = parseStorageUrl(text);
  if (!parsed.ok) throw new StorageError(`storage.url ${parsed.message}`);
  const url = parsed.url;
  return postgres({
    // As lists: postgres.js cuts a host string at its first ":", which an IPv6 address has.
    host: [url.host] as unknown as string,
    port: [url.port] as unknown as number,
    ...(url.database ? { database: url.database } : {}),
    ...(url.user ? { user: url.user } : {}),
    ...(url.password ? { password: scramPassword(url.password) } : {}),
    ssl: tlsOption(url),
    max: options.max ?? 10,
    connect_timeout: options.connectTimeoutS ?? CONNECT_TIMEOUT_S,
    backoff: reconnectDelayS,
    // Idle connections close after a minute, so a long quiet spell holds no server slots.
    idle_timeout: 60,
    // Connections are renewed every few minutes: a session keeps the settings it began with,
    // so a setting changed for the database or role reaches every session in time (read-only
    // mode does not wait for this: renewal.ts renews the pool that met it).
    max_lifetime: 180,
    // Herald's times are milliseconds since the epoch in bigint columns: read them as numbers
    // (exact up to 2^53), not the strings postgres.js gives int8 by default.
    types: {
      bigint: { to: 20, from: [20], serialize: (value: number | string) => String(value), parse: (value: string) => Number(value) },
    },
    connection: {
      ...(url.searchPath !== undefined ? { search_path: url.searchPath } : {}),
      application_name: options.applicationName ?? "herald",
      statement_timeout: options.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS,
      ...(options.readOnly ? { default_transaction_read_only: true } : {}),
      // A transaction left open by a client that vanished must not hold row locks for long.
      idle_in_transaction_session_timeout: 30_000,
    },
    // Server notices (e.g. "relation already exists, skipping") are not Herald's to print.
    onnotice: () => {},
  }) as unknown as Sql;
}

/** What every query module of the backend is built over. */
export interface PgContext {
  sql: Sql;
  /** This Storage's node id: the lease owner of the rows it claims. */
  nodeId: string;
  /** Cuts the connection string's secrets out of a message. */
  scrub: Scrubber;
}
