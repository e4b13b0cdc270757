// Child processes for the tests, through node:child_process so the same helpers run under
// `bun test` and `deno test`. The shape is what the suites used from Bun.spawn: web streams
// for the output, and `exited` resolving to the exit status, 128 + the signal's number for a
// process a signal ended (as a shell reports it, and as Bun did).
import { spawn as nodeSpawn, spawnSync as nodeSpawnSync } from "node:child_process";
import { constants } from "node:os";
import { Readable } from "node:stream";

export interface Child {
  pid: number;
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  exited: Promise<number>;
  kill(signal?: NodeJS.Signals): void;
}

export interface SpawnOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Kills the process with SIGTERM after this long, as Bun.spawn's `timeout` did. */
  timeoutMs?: number;
}

const statusOf = (code: number | null, signal: NodeJS.Signals | null) => code ?? 128 + (signal ? constants.signals[signal] : 0);

/** An env whose undefined values are left out (node:child_process would pass "undefined"). */
function cleanEnv(env: Record<string, string | undefined> | undefined): Record<string, string> | undefined {
  if (!env) return undefined;
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

export function spawn(command: string[], options: SpawnOptions = {}): Child {
  const [file, ...args] = command;
  const child = nodeSpawn(file!, args, { env: cleanEnv(options.env), cwd: options.cwd, stdio: ["ignore", "pipe", "pipe"], timeout: options.timeoutMs });
  const exited = new Promise<number>((resolve, reject) => {
    child.once("error", reject);
    child.once("exit", (code, signal) => resolve(statusOf(code, signal)));
  });
  return {
    pid: child.pid ?? 0,
    stdout: Readable.toWeb(child.stdout!) as ReadableStream<Uint8Array>,
    stderr: Readable.toWeb(child.stderr!) as ReadableStream<Uint8Array>,
    exited,
    // process.kill, not child.kill: under Deno 2.9, ChildProcess.kill() ends a child that
    // handles the signal (a SIGHUP meant to reload killed the daemon; docs/runtimes.md).
    kill: (signal = "SIGTERM") => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      try {
        process.kill(child.pid!, signal);
      } catch (error) {
        // It exited before its exit event was seen: there is nothing left to signal, as with Bun.
        if ((error as { code?: string }).code !== "ESRCH") throw error;
      }
    },
  };
}

/** Runs a command to completion and collects its output as text. */
export async function run(command: string[], options: SpawnOptions = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  const child = spawn(command, options);
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]);
  return { stdout, stderr, code };
}

export function runSync(command: string[], options: SpawnOptions = {}): { stdout: string; stderr: string; code: number } {
  const [file, ...args] = command;
  const result = nodeSpawnSync(file!, args, { env: cleanEnv(options.env), cwd: options.cwd, encoding: "utf8", timeout: options.timeoutMs });
  return { stdout: result.stdout ?? "", stderr: result.stderr ?? "", code: statusOf(result.status, result.signal) };
}

/** A pause for conditions only a real process's clock can produce. */
export { setTimeout as sleep } from "node:timers/promises";
