// PostgreSQL for the test suites: each test file gets a database of its own, made from
// HERALD_TEST_PG_URL (scripts/pg-test-server prints one) and dropped when the file is done.
// Without the variable the PostgreSQL suites skip, and say so on the console: CI always sets it.
import { afterAll, beforeAll } from "bun:test";
import postgres from "postgres";

export const PG_URL = process.env.HERALD_TEST_PG_URL || undefined;

/** True when there is no server: pass to describe.skipIf. Prints why, once per file. */
export function skipWithoutPostgres(suite: string): boolean {
  // `npm run test:pg` runs the shared suites on PostgreSQL after npm test's first pass has run
  // the PostgreSQL-only files: once is enough.
  if (PG_URL && process.env.HERALD_TEST_STORAGE === "postgres") {
    console.log(`SKIPPED ${suite} under HERALD_TEST_STORAGE=postgres: a PostgreSQL-only file, run by the first pass (bun test with HERALD_TEST_PG_URL)`);
    return true;
  }
  if (PG_URL) return false;
  console.log(`SKIPPED ${suite}: HERALD_TEST_PG_URL is not set (run under scripts/pg-test-server run -- ...)`);
  return true;
}

/** The URL with another database name in its path. */
export function withDatabase(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${name}`;
  return parsed.toString();
}

/** A postgres.js client for assertions and set-up (not Herald's pool). */
export function adminClient(url: string, max = 2) {
  return postgres(url, { max, onnotice: () => {}, types: { bigint: { to: 20, from: [20], serialize: (v: number) => String(v), parse: (v: string) => Number(v) } } });
}

export type AdminSql = ReturnType<typeof adminClient>;

export interface PgDatabase {
  /** This file's database URL (valid from beforeAll on). */
  url(): string;
  /** A client on it for assertions. */
  admin(): AdminSql;
  /** Another fresh database on the same server, dropped with the file's. */
  create(): Promise<string>;
}

/**
 * Registers beforeAll/afterAll (call it at the top of a file) that create and drop this file's
 * database. Does nothing without a server.
 */
export function usePgDatabase(serverUrl: () => string | undefined = () => PG_URL): PgDatabase {
  let server: AdminSql | undefined;
  let mine: AdminSql | undefined;
  let url: string | undefined;
  const made: string[] = [];
  const create = async () => {
    const base = serverUrl();
    if (!base) throw new Error("no PostgreSQL server (HERALD_TEST_PG_URL)");
    server ??= adminClient(base);
    const name = `herald_t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
    await server.unsafe(`CREATE DATABASE ${name}`);
    made.push(name);
    return withDatabase(base, name);
  };
  beforeAll(async () => {
    if (!serverUrl()) return;
    url = await create();
    mine = adminClient(url);
  });
  afterAll(async () => {
    await mine?.end({ timeout: 1 });
    for (const name of made) await server?.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => {});
    await server?.end({ timeout: 1 });
  });
  return {
    url: () => url ?? (() => { throw new Error("the test database is made in beforeAll"); })(),
    admin: () => mine ?? (() => { throw new Error("the test database is made in beforeAll"); })(),
    create,
  };
}
