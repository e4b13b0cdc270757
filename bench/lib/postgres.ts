// The PostgreSQL server of the bench's PostgreSQL rows: scripts/pg-test-server with fsync,
// full_page_writes and synchronous_commit on (`--durable`), so a 202 costs what it costs on a
// production server. Each Herald gets a fresh database of its own, as each SQLite run gets a file.
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import postgres from "postgres";
import { ROOT } from "./procs.ts";

export interface BenchPostgres {
  /** The server's own database, for creating the others. */
  url: string;
  /** A new, empty database on the server, as a URL for `[storage] url`. */
  freshDatabase(): Promise<string>;
  /** The server's version and the settings the figures depend on, for results.md. */
  describe(): Promise<string>;
  stop(): Promise<void>;
}

const SCRIPT = join(ROOT, "scripts/pg-test-server");

export async function startPostgres(): Promise<BenchPostgres> {
  const started = spawnSync(SCRIPT, ["start", "--durable"], { encoding: "utf8" });
  if (started.status !== 0) throw new Error(`scripts/pg-test-server start --durable: ${started.stderr}`);
  const value = (name: string) => new RegExp(`^${name}=(.*)$`, "m").exec(started.stdout)?.[1];
  const url = value("HERALD_TEST_PG_URL");
  const dir = value("HERALD_TEST_PG_DIR");
  if (!url || !dir) throw new Error(`scripts/pg-test-server printed no URL: ${started.stdout}`);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  let made = 0;
  return {
    url,
    async freshDatabase() {
      const name = `herald_bench_${++made}`;
      await admin.unsafe(`CREATE DATABASE ${name}`);
      return url.replace(/\/[^/]*$/, `/${name}`);
    },
    async describe() {
      const [row] = await admin`SELECT version() AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sc, current_setting('full_page_writes') AS fpw, current_setting('shared_buffers') AS sb`;
      return `${String(row!.version).split(" on ")[0]}, on the same machine over loopback TCP; fsync = ${row!.fsync}, synchronous_commit = ${row!.sc}, full_page_writes = ${row!.fpw}, shared_buffers = ${row!.sb} (the default)`;
    },
    async stop() {
      await admin.end({ timeout: 1 });
      spawnSync(SCRIPT, ["stop", dir], { stdio: "ignore" });
    },
  };
}
