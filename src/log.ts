// Structured logs: one JSON object per line on stdout, for journald. Every line passes through
// scrubSecrets() with the config's secrets and webhook URLs, so none can leak by accident.

import { fstatSync } from "node:fs";
import type { Clock } from "./core/clock.ts";
import { isoTime } from "./core/iso-time.ts";
import { scrubSecrets } from "./core/redact.ts";
import type { LogLevel } from "./config/runtime.ts";

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** syslog priorities (sd-daemon(3)): journald reads a leading `<N>` as the line's priority. */
const SYSLOG_PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: () => LogLevel;
  clock: Clock;
  /** Secrets and URLs to scrub; read on every line so a SIGHUP reload takes effect. */
  sensitive: () => readonly string[];
  write?: (line: string) => void;
  /**
   * Prefix each line with its syslog priority (`<3>{...}`), for journald: set when stdout is the
   * journal (JOURNAL_STREAM), so that `journalctl -p err` finds the errors. journald strips the
   * prefix; in a terminal or a pipe the lines stay plain JSON.
   */
  priorityPrefix?: boolean;
}

/** How long a log line may wait in the buffer before it is written. */
export const LOG_FLUSH_MS = 10;

/**
 * Lines reach stdout in one write every LOG_FLUSH_MS at most. A write is a system call: one per
 * line cost more than a batch's inserts, and even one per turn of the event loop cost about a
 * tenth of single-event publishing (bench/README.md). Buffered lines go out synchronously on
 * exit, so a stopping process loses none; a killed one may lose its last few milliseconds of
 * lines, never an event (those are in the database before the 202).
 */
export function createStdoutWriter(
  out: { write(text: string): unknown } = process.stdout,
  schedule: (flush: () => void) => void = (flush) => setTimeout(flush, LOG_FLUSH_MS),
): (line: string) => void {
  let buffer: string[] = [];
  const flush = () => {
    if (buffer.length === 0) return;
    const text = buffer.join("\n") + "\n";
    buffer = [];
    out.write(text);
  };
  process.on("exit", flush);
  return (line) => {
    if (buffer.push(line) === 1) schedule(flush);
  };
}

export function createLogger({ level, clock, sensitive, write = createStdoutWriter(), priorityPrefix = false }: LoggerOptions): Logger {
  const emit = (lvl: LogLevel, msg: string, fields: LogFields = {}) => {
    if (RANK[lvl] < RANK[level()]) return;
    const line = scrubSecrets(JSON.stringify({ time: isoTime(clock.now()), level: lvl, msg, ...fields }), sensitive());
    write(priorityPrefix ? `<${SYSLOG_PRIORITY[lvl]}>${line}` : line);
  };
  return {
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
  };
}

/**
 * Whether stdout is the systemd journal: JOURNAL_STREAM names the journal's stream as
 * "device:inode", and it is only ours if stdout is still that file. A service whose stdout was
 * redirected (to a file, a pipe) inherits the variable all the same (sd_journal_stream_fd(3)).
 */
export function stdoutIsJournal(env: Record<string, string | undefined>, stdout: () => { dev: number; ino: number } = () => fstatSync(1)): boolean {
  const match = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? "");
  if (!match) return false;
  try {
    const { dev, ino } = stdout();
    return String(dev) === match[1] && String(ino) === match[2];
  } catch {
    return false;
  }
}
