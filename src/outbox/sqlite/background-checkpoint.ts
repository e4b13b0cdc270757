// Checkpoints off the daemon's thread. SQLite's automatic checkpoint runs inside the commit
// that crosses its threshold, on the thread that serves HTTP and sends deliveries: it copied
// the WAL back into the database and fsynced it there, a third of the cost of each delivery
// (bench/README.md). A worker thread with its own connection now does that copying, PASSIVE
// so it never blocks a write. The daemon's connection keeps a high automatic threshold as a
// backstop: under steady writes a PASSIVE checkpoint rarely catches the last frame, so the WAL
// would not start over on its own; the backstop finds nearly everything already copied.
// The same thread counts the open deliveries for /metrics, so a scrape never holds the daemon's
// thread for the count (about 200 ms with 1,000,000 waiting, measured).

import { startWorker, type WorkerSource } from "../../runtime/worker.ts";
import type { SqliteHandle } from "./handle.ts";
import type { CheckpointWorkerReport, CheckpointWorkerStart, StatsRequest } from "./checkpoint-worker.ts";
import type { OutboxStats, OverviewCounts } from "../types.ts";

/** How often the worker copies the WAL into the database. */
export const BACKGROUND_CHECKPOINT_MS = 200;
/** The daemon's own automatic checkpoint while the worker runs (pages; SQLite's default is 1,000). */
export const BACKSTOP_CHECKPOINT_PAGES = 4_096;
const SQLITE_DEFAULT_CHECKPOINT_PAGES = 1_000;

/** From source, the worker is this module's neighbour; the compiled binary embeds it under its path below src/. */
const WORKER: WorkerSource = { url: new URL("./checkpoint-worker.ts", import.meta.url), embedded: "./outbox/sqlite/checkpoint-worker.ts" };

export interface BackgroundCheckpoints {
  /**
   * The gauges' figures, read on the worker's own connection; undefined while the worker is not
   * running (starting, stopped, or unavailable), when the caller reads them itself.
   */
  stats(): Promise<OutboxStats> | undefined;
  /** The dashboard overview's counts (failed and expired from `since`), likewise. */
  overview(since: number): Promise<OverviewCounts> | undefined;
  /** Pending deliveries per configured destination, likewise. */
  pending(): Promise<Map<string, number>> | undefined;
  /** Lets a checkpoint under way finish, then closes the worker's connection. */
  stop(): Promise<void>;
  /** At once, for a start-up that failed: the process is about to exit. */
  terminate(): void;
}

export function startBackgroundCheckpoints(
  handle: Pick<SqliteHandle, "client" | "path">,
  options: { intervalMs?: number; onProblem: (problem: { message: string; fellBack: boolean }) => void },
): BackgroundCheckpoints {
  const setAutomatic = (pages: number) => handle.client.exec(`PRAGMA wal_autocheckpoint = ${pages}`);
  let stopped: (() => void) | undefined;
  let unavailable = false;
  let running = false;
  let nextRequest = 0;
  const answers = new Map<number, { resolve: (stats: never) => void; reject: (error: Error) => void }>();
  const failWaiting = (message: string) => {
    for (const waiting of answers.values()) waiting.reject(new Error(message));
    answers.clear();
  };
  // Without the worker, SQLite's own checkpoints take over again: slower, never unsafe.
  const fallBack = (message: string) => {
    if (unavailable) return;
    unavailable = true;
    running = false;
    failWaiting(`the background thread stopped: ${message}`);
    setAutomatic(SQLITE_DEFAULT_CHECKPOINT_PAGES);
    options.onProblem({ message, fellBack: true });
  };
  const worker = startWorker(WORKER, (message) => fallBack(message));
  worker.onmessage = ({ data }: MessageEvent<CheckpointWorkerReport>) => {
    if (data.kind === "ready") {
      running = true;
      setAutomatic(BACKSTOP_CHECKPOINT_PAGES);
    } else if (data.kind === "stats") {
      const waiting = answers.get(data.id);
      answers.delete(data.id);
      if (data.stats) waiting?.resolve(data.stats as never);
      else waiting?.reject(new Error(data.error ?? "no figures"));
    } else if (data.kind === "unavailable") fallBack(data.message);
    else if (data.kind === "failed") options.onProblem({ message: data.message, fellBack: false });
    else stopped?.();
  };
  worker.postMessage({ path: handle.path, intervalMs: options.intervalMs ?? BACKGROUND_CHECKPOINT_MS } satisfies CheckpointWorkerStart);

  const terminate = () => {
    running = false;
    failWaiting("the background thread stopped");
    worker.terminate();
    setAutomatic(SQLITE_DEFAULT_CHECKPOINT_PAGES);
  };
  const ask = <T>(request: (id: number) => StatsRequest): Promise<T> | undefined => {
    if (!running) return undefined;
    const id = nextRequest++;
    return new Promise<T>((resolve, reject) => {
      answers.set(id, { resolve: resolve as (stats: never) => void, reject });
      worker.postMessage(request(id));
    });
  };
  return {
    stats: () => ask<OutboxStats>((id) => ({ kind: "stats", id })),
    overview: (since) => ask<OverviewCounts>((id) => ({ kind: "overview", id, since })),
    pending: () => ask<Map<string, number>>((id) => ({ kind: "pending", id })),
    async stop() {
      running = false;
      await new Promise<void>((resolve) => {
        stopped = resolve;
        worker.postMessage("stop");
        // A worker that never started (or died) has nobody to answer.
        setTimeout(resolve, 1_000).unref();
      });
      terminate();
    },
    terminate,
  };
}
