// Starting and stopping the processes a scenario needs: Herald (the compiled binary when built,
// else from source), the baseline servers and the receiver. Each prints its port as JSON first.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dir, "../..");
const BUN = process.execPath;

export interface Proc {
  port: number;
  url: string;
  pid: number;
  stop(): Promise<void>;
  rssBytes(): number;
  /** CPU time the process has used so far, all threads and only its main thread (µs). */
  cpu(): CpuTime;
}

export interface CpuTime {
  process: number;
  mainThread: number;
}

const running = new Set<Proc>();
export async function stopAll() {
  await Promise.all([...running].map((p) => p.stop()));
}

/** Starts a helper server that prints {"port": N} as its first JSON line, and waits for it. */
async function spawnWithPort(command: string[], env: Record<string, string> = {}): Promise<Proc> {
  const proc = Bun.spawn(command, { stdout: "pipe", stderr: "inherit", env: { ...process.env, ...env } });
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let port: number | undefined;
  while (port === undefined) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`${command.join(" ")} exited before it was ready`);
    buffer += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = buffer.indexOf("\n")) >= 0 && port === undefined) {
      const line = buffer.slice(0, nl);
      buffer = buffer.slice(nl + 1);
      try {
        port = (JSON.parse(line) as { port?: number }).port;
      } catch {
        // not JSON: ignore
      }
    }
  }
  // Keep draining stdout so the child never blocks on a full pipe.
  (async () => {
    for (;;) if ((await reader.read()).done) break;
  })();
  return track(proc, port);
}

/** A started process as a Proc, stopped by stopAll() if the scenario does not stop it first. */
function track(proc: { pid: number; kill(signal?: NodeJS.Signals): void; exited: Promise<number> }, port: number): Proc {
  const handle: Proc = {
    port,
    url: `http://127.0.0.1:${port}`,
    pid: proc.pid,
    rssBytes: () => rssOf(proc.pid),
    cpu: () => cpuOf(proc.pid),
    stop: async () => {
      running.delete(handle);
      proc.kill("SIGTERM");
      await proc.exited;
    },
  };
  running.add(handle);
  return handle;
}

/** Linux clock ticks per second for /proc times (USER_HZ, 100 on every mainstream kernel). */
const TICKS_PER_SECOND = 100;

function ticksIn(statPath: string): number {
  // Fields after the command name, which is in parentheses and may hold spaces: utime, stime are 14 and 15.
  const stat = readFileSync(statPath, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU used by a process and by its main thread (the one that runs the JavaScript), from /proc. */
export function cpuOf(pid: number): CpuTime {
  const micros = (ticks: number) => (ticks * 1_000_000) / TICKS_PER_SECOND;
  try {
    return { process: micros(ticksIn(`/proc/${pid}/stat`)), mainThread: micros(ticksIn(`/proc/${pid}/task/${pid}/stat`)) };
  } catch {
    return { process: NaN, mainThread: NaN };
  }
}

/** CPU used between two readings, per item (µs). */
export const cpuPerItem = (from: CpuTime, to: CpuTime, items: number): CpuTime => ({
  process: (to.process - from.process) / items,
  mainThread: (to.mainThread - from.mainThread) / items,
});

export function rssOf(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
  } catch {
    return NaN;
  }
}

export const startServer = (script: string, env: Record<string, string> = {}) => spawnWithPort([BUN, join(ROOT, "bench/servers", script)], env);

/** The runtime a Herald process runs on: Bun (the compiled binary) or Deno (the bundle). */
export type Runtime = "bun" | "deno";

export function heraldCommand(runtime: Runtime = "bun"): string[] {
  if (runtime === "deno") {
    // The Deno artefact as users run it (npm run build:deno, built first if missing), or the
    // source with BENCH_FROM_SOURCE=1.
    const bundle = join(ROOT, "dist/deno/main.js");
    const entry = process.env.BENCH_FROM_SOURCE || !existsSync(bundle) ? join(ROOT, "src/main.ts") : bundle;
    return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--quiet", `--config=${join(ROOT, "deno.json")}`, entry];
  }
  // bench/compare.ts points this at the binary of the build it is measuring.
  const binary = process.env.BENCH_HERALD_BINARY ?? join(ROOT, "dist/herald");
  // BENCH_FROM_SOURCE=1: run src/main.ts instead, e.g. under `bun --cpu-prof` while profiling.
  if (process.env.BENCH_FROM_SOURCE) return [BUN, join(ROOT, "src/main.ts")];
  return existsSync(binary) ? [binary] : [BUN, join(ROOT, "src/main.ts")];
}

/** A port nobody listens on right now (bound and released), for processes that log elsewhere. */
function freePort(): number {
  const probe = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const port = probe.port!;
  probe.stop(true);
  return port;
}

export async function waitForHealth(url: string, timeoutMs = 20_000): Promise<number> {
  const started = performance.now();
  for (;;) {
    try {
      if ((await fetch(`${url}/healthz`)).ok) return performance.now() - started;
    } catch {
      // not listening yet
    }
    if (performance.now() - started > timeoutMs) throw new Error(`no /healthz from ${url} within ${timeoutMs} ms`);
    await Bun.sleep(2);
  }
}

/**
 * Herald as users run it: the compiled binary (with `runtime: "deno"`, the Deno bundle), default
 * log level (one JSON line per event and attempt, written to a file as journald would take
 * them), on a fresh or given database. A `dbPath` that is a postgres:// URL selects PostgreSQL.
 */
export async function startHerald(options: { toml?: string; dbPath?: string; synchronous?: "full" | "normal"; security?: string; runtime?: Runtime } = {}): Promise<Proc & { db: string; dir: string; startMs: number }> {
  const dir = mkdtempSync(join(tmpdir(), "herald-bench-"));
  const db = options.dbPath ?? join(dir, "herald.db");
  const config = join(dir, "herald.toml");
  const port = freePort();
  writeFileSync(
    config,
    `[server]\nlisten = "127.0.0.1:${port}"\nmax_body = "4MiB"\n[storage]\n${storageToml(db, options.synchronous ?? "full")}\n[security]\n${options.security ?? "allow_http = true\nallow_private_networks = true"}\n${options.toml ?? ""}\n`,
  );
  const log = Bun.file(join(dir, "herald.log"));
  const launched = performance.now();
  const proc = Bun.spawn([...heraldCommand(options.runtime), "serve", "--config", config], { stdout: log, stderr: "inherit", env: process.env });
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url);
  const startMs = performance.now() - launched;
  return { ...track(proc, port), db, dir, startMs };
}

/** The [storage] keys for a database: a PostgreSQL URL (durable on COMMIT), or an SQLite file. */
function storageToml(db: string, synchronous: "full" | "normal"): string {
  return db.startsWith("postgres://") ? `url = "${db}"` : `path = "${db}"\nsynchronous = "${synchronous}"`;
}
