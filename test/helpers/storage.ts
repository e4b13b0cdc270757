// The storage backend a contract test runs against: HERALD_TEST_STORAGE=sqlite (the default, a
// new file per call) or postgres (HERALD_TEST_PG_URL, the server to use). Tests written on it
// assert through the Outbox and OperatorStore interfaces only, so they hold for every backend.
import { join } from "node:path";
import { openStorage } from "../../src/outbox/open-storage.ts";
import type { Storage } from "../../src/outbox/types.ts";
import { tempDir } from "./fs.ts";

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
