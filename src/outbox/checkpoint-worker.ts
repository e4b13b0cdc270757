// The background checkpointer's thread: its own connection to the outbox file, copying the WAL
// into the database every few hundred milliseconds (PASSIVE: it never blocks the daemon's
// writes). Started by background-checkpoint.ts; it is an entrypoint of the compiled binary of
// its own (see the build script in package.json), as Bun requires for workers.

import { Database } from "bun:sqlite";

declare const self: Worker;

export interface CheckpointWorkerStart {
  path: string;
  intervalMs: number;
}

export type CheckpointWorkerReport =
  | { kind: "ready" }
  /** The worker cannot run at all: the daemon falls back to SQLite's own checkpoints. */
  | { kind: "unavailable"; message: string }
  /** A checkpoint failed (a full disk, say); the next one tries again. */
  | { kind: "failed"; message: string }
  | { kind: "stopped" };

/** A failure that goes on is reported again at most this often. */
const REPEAT_REPORT_MS = 60_000;

const report = (message: CheckpointWorkerReport) => self.postMessage(message);
let stop: (() => void) | undefined;

self.onmessage = (message: MessageEvent<CheckpointWorkerStart | "stop">) => {
  if (message.data === "stop") return stop ? stop() : report({ kind: "stopped" });
  const { path, intervalMs } = message.data;
  let db: Database;
  try {
    db = new Database(path, { readwrite: true, create: false, strict: true });
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
    db.close();
    report({ kind: "stopped" });
  };
  report({ kind: "ready" });
};
