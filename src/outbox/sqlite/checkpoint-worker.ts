// The outbox's background thread: its own connection to the outbox file, copying the WAL into
// the database every few hundred milliseconds (PASSIVE: it never blocks the daemon's writes),
// and counting the open deliveries for the /metrics gauges, a read that visits every open row
// and would otherwise hold the daemon's thread (about 200 ms with 1,000,000 waiting). Started by
// background-checkpoint.ts; it is an entrypoint of the compiled binary of its own (see the
// build script in package.json), as Bun requires for workers.

import { openSqliteClient, type SqliteClient } from "../../runtime/sqlite.ts";
import { createStatsReader } from "./stats-reader.ts";
import { createOverviewCounter } from "./overview-counts.ts";
import { createPendingCounter } from "./destination-state.ts";
import type { OutboxStats, OverviewCounts } from "../types.ts";

declare const self: Worker;

export interface CheckpointWorkerStart {
  path: string;
  intervalMs: number;
}

/**
 * Asks for the gauges' figures, the dashboard's (counting from `since`), or the pending
 * deliveries per destination; answered by a "stats" report with the same id.
 */
export type StatsRequest = { kind: "stats"; id: number } | { kind: "overview"; id: number; since: number } | { kind: "pending"; id: number };

export type CheckpointWorkerReport =
  | { kind: "ready" }
  /** The worker cannot run at all: the daemon falls back to SQLite's own checkpoints. */
  | { kind: "unavailable"; message: string }
  /** A checkpoint failed (a full disk, say); the next one tries again. */
  | { kind: "failed"; message: string }
  | { kind: "stats"; id: number; stats?: OutboxStats | OverviewCounts | Map<string, number>; error?: string }
  | { kind: "stopped" };

/** A failure that goes on is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;

const report = (message: CheckpointWorkerReport) => self.postMessage(message);
let stop: (() => void) | undefined;
let readStats: (() => OutboxStats) | undefined;
let readOverview: ((since: number) => OverviewCounts) | undefined;
let readPending: (() => Map<string, number>) | undefined;

self.onmessage = (message: MessageEvent<CheckpointWorkerStart | StatsRequest | "stop">) => {
  const request = message.data;
  if (request === "stop") return stop ? stop() : report({ kind: "stopped" });
  if ("kind" in request) return answerStats(request);
  const { path, intervalMs } = request;
  let db: SqliteClient;
  try {
    db = openSqliteClient(path, { create: false });
    readStats = createStatsReader(db);
    readOverview = createOverviewCounter(db);
    readPending = createPendingCounter(db);
  } catch (error) {
    return report({ kind: "unavailable", message: `cannot open the database: ${(error as Error).message}` });
  }
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  let lastFailure = { message: "", at: 0 };
  const timer = setInterval(() => {
    try {
      checkpoint.run();
      lastFailure = { message: "", at: 0 };
    } catch (error) {
      const message = (error as Error).message;
      if (message !== lastFailure.message || Date.now() - lastFailure.at >= REPEAT_REPORT_MS) {
        lastFailure = { message, at: Date.now() };
        report({ kind: "failed", message });
      }
    }
  }, intervalMs);
  stop = () => {
    clearInterval(timer);
    readStats = undefined;
    readOverview = undefined;
    readPending = undefined;
    try {
      db.close();
    } finally {
      report({ kind: "stopped" });
    }
  };
  report({ kind: "ready" });
};

function answerStats(request: StatsRequest) {
  const { id } = request;
  if (!readStats || !readOverview || !readPending) return report({ kind: "stats", id, error: "the background thread has no open database" });
  try {
    const stats = request.kind === "overview" ? readOverview(request.since) : request.kind === "pending" ? readPending() : readStats();
    report({ kind: "stats", id, stats });
  } catch (error) {
    report({ kind: "stats", id, error: (error as Error).message });
  }
}
