// Runs the real `herald` program: from source on the runtime that runs the tests (`bun test`
// starts `bun src/main.ts`, `deno test` starts `deno run -A src/main.ts`), on the other one when
// HERALD_RUNTIME names it, or the compiled binary when HERALD_BIN is set (CI runs the
// end-to-end suite both ways; with HERALD_RUNTIME=deno, HERALD_BIN=dist/deno/main.js is the
// Deno bundle).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { RUNTIME } from "../../src/runtime/which.ts";
import { onTestEnd } from "./cleanup.ts";
import { tempDir } from "./fs.ts";
import { isPostgresUrl, rowsOf } from "./rows.ts";
import { dropPgDatabase, newPgDatabase, testBackend } from "./storage.ts";
import { run, sleep, spawn } from "./process.ts";

export const ROOT = join(import.meta.dirname!, "..", "..");

/** The runtime the daemons run on: HERALD_RUNTIME, or the one running the tests. */
export const DAEMON_RUNTIME: "bun" | "deno" = process.env.HERALD_RUNTIME === "deno" ? "deno" : process.env.HERALD_RUNTIME === "bun" ? "bun" : RUNTIME;

/** Bun's binary: this process's under `bun test`, the package's own copy otherwise. */
export const BUN = RUNTIME === "bun" ? process.execPath : join(ROOT, "node_modules/.bin/bun");

/** Runs a TypeScript file under Deno, from the package's own copy (npm install brings it). */
export function denoCommand(file: string, args: string[]): string[] {
  return [join(ROOT, "node_modules/.bin/deno"), "run", "-A", "--quiet", `--config=${join(ROOT, "deno.json")}`, file, ...args];
}

/** Runs a TypeScript file on the daemons' runtime (DAEMON_RUNTIME). */
export function runtimeCommand(file: string, args: string[]): string[] {
  return DAEMON_RUNTIME === "deno" ? denoCommand(file, args) : [BUN, file, ...args];
}

export function heraldCommand(args: string[]): string[] {
  const bin = process.env.HERALD_BIN;
  if (bin) return DAEMON_RUNTIME === "deno" ? denoCommand(join(ROOT, bin), args) : [join(ROOT, bin), ...args];
  return runtimeCommand(join(ROOT, "src/main.ts"), args);
}

/** Runs a command to completion; an `env` value of undefined unsets that variable. */
export async function runHerald(args: string[], env: Record<string, string | undefined> = {}, options: { cwd?: string } = {}) {
  return run(heraldCommand(args), { env: { ...process.env, ...env }, cwd: options.cwd });
}

export interface Daemon {
  port: number;
  url: string;
  lines: Array<Record<string, unknown>>;
  output: () => string;
  waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  signal(name: NodeJS.Signals): void;
  exited: Promise<number>;
}

/** The config text with `{{db}}` filled in: `path = "{{db}}"` becomes `url = "..."` when `db` is a PostgreSQL URL. */
export function fillDb(toml: string, db: string): string {
  return (isPostgresUrl(db) ? toml.replaceAll('path = "{{db}}"', `url = "${db}"`) : toml).replaceAll("{{db}}", db);
}

/**
 * Writes a config whose `{{db}}` names a new SQLite file, or with HERALD_TEST_STORAGE=postgres
 * a new database that no serve has migrated yet (dropped after the test) when the text says
 * `path = "{{db}}"`. `db` is the file or the URL: readDeliveries, rowsOf, fillDb and
 * seedDeliveries take either. `sqlite` keeps the file on both passes, for a test that needs
 * SQLite itself.
 */
export function writeConfig(toml: string, options: { sqlite?: boolean } = {}): { path: string; dir: string; db: string } {
  const dir = tempDir("herald-e2e-");
  const path = join(dir, "herald.toml");
  let db = join(dir, "herald.db");
  if (testBackend() === "postgres" && !options.sqlite && toml.includes('path = "{{db}}"')) {
    db = newPgDatabase();
    const url = db;
    onTestEnd(() => dropPgDatabase(url));
  }
  writeFileSync(path, fillDb(toml, db));
  return { path, dir, db };
}

export async function startDaemon(configPath: string, env: Record<string, string> = {}): Promise<Daemon> {
  // Lines are parsed as plain JSON: a run under systemd must not give them journald's prefix.
  return startDaemonWith(heraldCommand(["serve", "--config", configPath]), { ...process.env, JOURNAL_STREAM: undefined, ...env });
}

/** Starts `herald serve` from a full command line (e.g. wrapped in setpriv) and waits until it listens. */
export async function startDaemonWith(command: string[], env: Record<string, string | undefined>, options: { cwd?: string } = {}): Promise<Daemon> {
  const proc = spawn(command, { env, cwd: options.cwd });
  const lines: Array<Record<string, unknown>> = [];
  let raw = "";
  const watchers: Array<{ predicate: (line: Record<string, unknown>) => boolean; resolve: (line: Record<string, unknown>) => void }> = [];
  (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of proc.stdout) {
      const text = decoder.decode(chunk, { stream: true });
      raw += text;
      buffer += text;
      let newline: number;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = JSON.parse(buffer.slice(0, newline)) as Record<string, unknown>;
        buffer = buffer.slice(newline + 1);
        lines.push(line);
        for (const w of watchers.filter((w) => w.predicate(line))) {
          watchers.splice(watchers.indexOf(w), 1);
          w.resolve(line);
        }
      }
    }
  })();
  const stderr = new Response(proc.stderr).text();

  const waitForLog = (predicate: (line: Record<string, unknown>) => boolean, timeoutMs = 10_000) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const found = lines.find(predicate);
      if (found) return resolve(found);
      const timer = setTimeout(async () => reject(new Error(`log line not seen in ${timeoutMs}ms; stderr: ${await Promise.race([stderr, Promise.resolve("(running)")])}\n${raw}`)), timeoutMs);
      watchers.push({ predicate, resolve: (line) => (clearTimeout(timer), resolve(line)) });
    });

  const listening = await Promise.race([
    waitForLog((l) => l.msg === "server.listening"),
    proc.exited.then(async (code) => {
      throw new Error(`herald exited ${code} before listening: ${await stderr}`);
    }),
  ]);
  const port = listening.port as number;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    lines,
    output: () => raw,
    waitForLog,
    signal: (name) => proc.kill(name),
    exited: proc.exited,
  };
}

export function readDeliveries(db: string): Array<{ id: string; event_id: string; status: string; attempts: number }> {
  return rowsOf(db).query("SELECT id, event_id, status, attempts FROM deliveries ORDER BY id").all() as Array<{ id: string; event_id: string; status: string; attempts: number }>;
}

export async function publish(daemon: Daemon, body: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${daemon.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { id: string; deliveries: Array<{ id: string; destination: string }> } };
}

/** Polls until `check` holds; for conditions that only a real process's clock can produce. */
export async function eventually(check: () => boolean, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached in ${timeoutMs}ms`);
    await sleep(20);
  }
}

/** After a test: kills the daemon (if any) and waits for it, then stops the servers. */
export async function cleanUp(daemon: Daemon | undefined, ...servers: Array<{ stop(): void } | undefined>): Promise<void> {
  if (daemon) {
    daemon.signal("SIGKILL");
    await daemon.exited;
  }
  for (const server of servers) server?.stop();
}
