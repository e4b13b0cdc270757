// The storage backend a contract test runs against: HERALD_TEST_STORAGE=sqlite (the default, a
// new file per call) or postgres (HERALD_TEST_PG_URL, the server to use). Tests written on it
// assert through the Outbox and OperatorStore interfaces only, so they hold for every backend.
import { join } from "node:path";
import { openStorage } from "../../src/outbox/open-storage.ts";
import type { Storage } from "../../src/outbox/types.ts";
import { tempDir } from "./fs.ts";
import { psql } from "./rows.ts";

export type TestBackend = "sqlite" | "postgres";

export function testBackend(env: Record<string, string | undefined> = process.env): TestBackend {
  const chosen = env.HERALD_TEST_STORAGE ?? "sqlite";
  if (chosen === "sqlite" || chosen === "postgres") return chosen;
  throw new Error(`HERALD_TEST_STORAGE must be sqlite or postgres, not ${JSON.stringify(chosen)}`);
}

export async function openTestStorage(env: Record<string, string | undefined> = process.env): Promise<Storage> {
  if (testBackend(env) === "sqlite") return openStorage({ path: join(tempDir(), "herald.db"), synchronous: "full" });
  const url = env.HERALD_TEST_PG_URL;
  if (!url) throw new Error("HERALD_TEST_STORAGE=postgres needs HERALD_TEST_PG_URL (postgres://user:password@host:5432/database)");
  // Until src/outbox/postgres is merged, openStorage refuses a url with a StorageError saying so.
  return openStorage({ url, synchronous: "full" });
}

/**
 * True under HERALD_TEST_STORAGE=postgres: pass to describe.skipIf for what only SQLite has
 * (PRAGMAs, WAL, file modes, locks, backups, query plans). Prints the reason, once per call.
 */
export function sqliteOnly(suite: string, reason: string, env: Record<string, string | undefined> = process.env): boolean {
  if (testBackend(env) === "sqlite") return false;
  console.log(`SKIPPED ${suite} on PostgreSQL: ${reason}`);
  return true;
}

/** HERALD_TEST_PG_URL, or an error saying how to get one. */
export function testServerUrl(env: Record<string, string | undefined> = process.env): string {
  const url = env.HERALD_TEST_PG_URL;
  if (!url) throw new Error("HERALD_TEST_STORAGE=postgres needs HERALD_TEST_PG_URL (scripts/pg-test-server run -- ... sets it)");
  return url;
}

/** Databases handed back by finished tests, emptied, with their schema kept: making one costs far more. */
const spare: string[] = [];

/**
 * An empty database on the test server; returns its URL. Synchronous (through psql) so that a
 * harness or a daemon's config can be made where a test expects a plain value.
 */
export function freshPgDatabase(serverUrl = testServerUrl()): string {
  return spare.pop() ?? newPgDatabase(serverUrl);
}

/** A database made for the caller, which no Herald has migrated yet: what the first serve finds. */
export function newPgDatabase(serverUrl = testServerUrl()): string {
  const name = `herald_h_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
  psql(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Gives back a database of freshPgDatabase(), once nothing uses it: every table but the migrations' is emptied. */
export function releasePgDatabase(url: string): void {
  psql(
    url,
    `DO $$ DECLARE tables text; BEGIN
       SELECT string_agg(format('%I', tablename), ', ') INTO tables FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations';
       IF tables IS NOT NULL THEN EXECUTE 'TRUNCATE ' || tables || ' RESTART IDENTITY CASCADE'; END IF;
     END $$`,
  );
  spare.push(url);
}

/** Drops a database of freshPgDatabase() with whatever is still connected to it (a daemon that outlived its test). */
export function dropPgDatabase(url: string, serverUrl = testServerUrl()): void {
  psql(serverUrl, `DROP DATABASE IF EXISTS ${new URL(url).pathname.slice(1)} WITH (FORCE)`);
}
