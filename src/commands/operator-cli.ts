// `herald deliveries`, `delivery ID`, `retry` and `cancel`: the admin API's views and actions
// on the database file itself, so they work with the daemon running or stopped. Reads see
// committed data (WAL); retries and cancels are status-guarded updates: the running scheduler
// picks a retried delivery up within a second and never claims a cancelled one.

import { existsSync, lstatSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { z } from "zod";
import type { OutboxConfig } from "../config/outbox-config.ts";
import { oneLine, table } from "./columns.ts";
import { systemClock, type Clock } from "../core/clock.ts";
import { CommandError, UsageError, errorMessage } from "../core/errors.ts";
import {
  bulkCancelRequest,
  bulkRetryRequest,
  cancelByIds,
  cancelMatching,
  listDeliveries,
  listRequest,
  retryByIds,
  retryMatching,
  unknownDestination,
} from "../ops/operations.ts";
import { deliveryDetailJson, deliveryJson } from "../ops/views.ts";
import { guardIds } from "../outbox/id-guard.ts";
import { backupAdvice, openExistingStorage } from "../outbox/open-storage.ts";
import { createPrivateFile } from "../outbox/private-files.ts";
import type { CancelManyResult, OperatorStore, RetryResult } from "../outbox/types.ts";

export interface OperatorFlags {
  status?: string;
  destination?: string;
  event?: string;
  name?: string;
  source?: string;
  until?: string;
  limit?: string;
  cursor?: string;
  since?: string;
  json?: boolean;
}

export interface Io {
  print: (text: string) => void;
  warn: (text: string) => void;
  clock: Clock;
}

export const defaultIo: Io = { print: (text) => console.log(text), warn: (text) => console.error(text), clock: systemClock };

/**
 * Runs `use` on the configured database. Before the first `serve` there is none yet (no SQLite
 * file, or a PostgreSQL database without Herald's schema): then there is nothing to show or
 * retry, which `empty` answers (after a note on stderr), so an operator is never told
 * something exists that does not, and nothing is created.
 */
export async function withStore<T>(config: OutboxConfig, io: Io, use: (store: OperatorStore) => Promise<T>, empty: () => T | Promise<T>): Promise<T> {
  const { storage, absent } = await openExistingStorage(config.storage);
  if (!storage) {
    io.warn(`herald: ${absent}`);
    return empty();
  }
  try {
    return await use(guardIds(storage.operator));
  } finally {
    await storage.close();
  }
}

/** Flags through the admin API's own schema, so the CLI and the API refuse the same things. */
export function parseFlags<T extends z.ZodType>(schema: T, flags: Record<string, unknown>): z.output<T> {
  const defined = Object.fromEntries(Object.entries(flags).filter(([, value]) => value !== undefined));
  const parsed = schema.safeParse(defined);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues
      .map((issue) => (issue.code === "unrecognized_keys" ? `--${issue.keys[0]} does not apply here` : `--${String(issue.path[0])}: ${issue.message}`))
      .join("; "),
  );
}

export async function deliveriesCommand(config: OutboxConfig, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const request = parseFlags(listRequest, { status: flags.status, destination: flags.destination, event: flags.event, limit: flags.limit, cursor: flags.cursor });
  refuseUnknownDestination(config, request.destination);
  const page = await withStore(config, io, (store) => listDeliveries(store, request), (): Awaited<ReturnType<typeof listDeliveries>> => ({ deliveries: [], next_cursor: null }));
  if (flags.json) {
    io.print(JSON.stringify(page, null, 2));
    return 0;
  }
  if (page.deliveries.length === 0) {
    io.print("no deliveries match");
    return 0;
  }
  io.print(
    table(
      ["ID", "STATUS", "ATTEMPTS", "DESTINATION", "EVENT", "CREATED", "LAST ERROR"],
      page.deliveries.map((d) => [d.id, d.status, String(d.attempt_count), d.destination, d.event, short(d.created_at), d.last_error ?? ""]),
    ),
  );
  if (page.next_cursor) io.print(`\nmore: add --cursor ${page.next_cursor}`);
  return 0;
}

export async function deliveryCommand(config: OutboxConfig, id: string, flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const found = await withStore(config, io, (store) => store.getDelivery(id), () => undefined);
  if (!found) throw new CommandError(`no delivery ${JSON.stringify(id)}`);
  const detail = deliveryDetailJson(found.delivery, found.attempts);
  if (flags.json) {
    io.print(JSON.stringify(detail, null, 2));
    return 0;
  }
  const d = deliveryJson(found.delivery);
  const lines = [
    `${d.id}  ${d.status}`,
    ...pairs([
      ["event", `${d.event}  ${d.event_id}`],
      ["destination", d.destination],
      ["attempts", `${d.attempt_count} (${d.failed_attempts} counted against max_attempts)`],
      ["created", d.created_at],
      ["next attempt", d.next_attempt_at],
      ["expires", d.expires_at],
      ["finished", d.finished_at],
      ["last error", d.last_error],
    ]),
  ];
  if (detail.attempts.length > 0) {
    lines.push("");
    lines.push(
      table(
        ["#", "AT", "TOOK", "STATUS", "RESULT", "ERROR"],
        detail.attempts.map((a) => [String(a.n), a.at!, `${a.duration_ms} ms`, a.status_code === null ? "-" : String(a.status_code), a.outcome, a.error ?? ""]),
      ),
    );
    for (const a of detail.attempts) if (a.digest_id) lines.push(`  attempt #${a.n} was sent in digest ${a.digest_id}`);
    for (const a of detail.attempts) if (a.response) lines.push(`  answer #${a.n}: ${oneLine(a.response)}`);
  }
  io.print(lines.join("\n"));
  return 0;
}

export async function retryCommand(config: OutboxConfig, ids: string[], flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const byFilter = flags.status !== undefined || flags.since !== undefined || flags.destination !== undefined;
  if (ids.length > 0 && byFilter) throw new UsageError("retry takes delivery ids or --status [--since] [--destination], not both");
  if (ids.length === 0 && !byFilter) throw new UsageError("retry needs delivery ids, or --status failed|expired|cancelled [--since 2h] [--destination D]");
  const now = io.clock.now();
  const request = byFilter ? parseFlags(bulkRetryRequest, { status: flags.status, since: flags.since, destination: flags.destination }) : undefined;
  refuseUnknownDestination(config, request?.destination);
  const result: RetryResult = await withStore(
    config,
    io,
    (store) => (request ? retryMatching(store, config, request, now) : retryByIds(store, config, ids, now)),
    (): RetryResult => ({ retried: [], skipped: ids.map((id) => ({ id, reason: "unknown delivery" })) }),
  );
  return report(io, flags, "retried", result.retried, result.skipped);
}

/**
 * `herald cancel ID...` or `herald cancel --status pending [--destination D]`: pending
 * deliveries become cancelled (the running scheduler never claims them again). One in flight
 * is left to finish its attempt: its request is already on its way.
 */
export async function cancelCommand(config: OutboxConfig, ids: string[], flags: OperatorFlags, io: Io = defaultIo): Promise<number> {
  const byFilter = flags.status !== undefined || flags.destination !== undefined;
  if (ids.length > 0 && byFilter) throw new UsageError("cancel takes delivery ids or --status pending [--destination D], not both");
  if (ids.length === 0 && !byFilter) throw new UsageError("cancel needs delivery ids, or --status pending [--destination D]");
  const now = io.clock.now();
  const request = byFilter ? parseFlags(bulkCancelRequest, { status: flags.status, destination: flags.destination }) : undefined;
  refuseUnknownDestination(config, request?.destination);
  const result: CancelManyResult = await withStore(
    config,
    io,
    (store) => (request ? cancelMatching(store, request, now) : cancelByIds(store, ids, now)),
    (): CancelManyResult => ({ cancelled: [], skipped: ids.map((id) => ({ id, reason: "unknown delivery" })) }),
  );
  return report(io, flags, "cancelled", result.cancelled.map((c) => c.id), result.skipped);
}

export function refuseUnknownDestination(config: OutboxConfig, destination: string | undefined): void {
  const problem = unknownDestination(config, destination);
  if (problem) throw new CommandError(problem);
}

/** How many were done (stdout), each named id that was not and why (stderr); exit 1 if one is unknown. */
function report(io: Io, flags: OperatorFlags, done: "retried" | "cancelled", ids: string[], skipped: Array<{ id: string; reason: string }>): number {
  if (flags.json) io.print(JSON.stringify({ count: ids.length, [done]: ids, skipped }, null, 2));
  else io.print(`${done} ${ids.length} ${ids.length === 1 ? "delivery" : "deliveries"}`);
  for (const skip of skipped) io.warn(`${skip.id}: not ${done}: ${skip.reason}`);
  // Exit 0 as interface.md has it: the count is the answer, and each id not acted on is named
  // on stderr (a typo'd id among many must not make a script think nothing was done).
  return 0;
}

function pairs(entries: Array<[string, string | null]>): string[] {
  return entries.filter(([, value]) => value !== null).map(([key, value]) => `  ${key.padEnd(12)} ${oneLine(value!)}`);
}

/** Timestamps to the second, for tables. */
export const short = (iso: string | null) => (iso ? iso.replace("T", " ").replace(/\.\d{3}Z$/, "Z") : "");

/**
 * `herald backup PATH`: a consistent copy taken online, where the backend can make one
 * (SQLite); otherwise exit 1 with the backend's own advice (PostgreSQL: pg_dump).
 */
export async function backupCommand(config: OutboxConfig, path: string, flags: OperatorFlags = {}, io: Io = defaultIo): Promise<number> {
  // Absolute from here on, so every message names the copy plainly.
  const destination = resolve(path);
  const { path: database } = config.storage;
  // Said before anything is opened: the advice holds whether or not the server answers, and
  // whether or not serve has migrated it yet.
  const advice = backupAdvice(config.storage);
  if (advice) throw new CommandError(advice);
  const missing = () => {
    throw new CommandError(`no database at ${database} to back up`);
  };
  if (database !== undefined && !existsSync(database)) missing();
  const bytes = await withStore(
    config,
    io,
    async (store) => {
      if (!store.backupTo) throw new CommandError(store.backupAdvice ?? "this storage cannot be backed up by herald backup");
      createBackupFile(destination);
      try {
        await store.backupTo(destination);
      } catch (error) {
        rmSync(destination, { force: true });
        throw error;
      }
      return statSync(destination).size;
    },
    missing,
  );
  io.print(flags.json ? JSON.stringify({ database: config.storage.path, backup: destination, bytes }) : `backed up ${config.storage.path} to ${destination} (${bytes} bytes)`);
  return 0;
}

/**
 * The copy holds every secret the database does, so it starts as a new empty file of Herald's
 * user only (0600), made before SQLite writes into it. Nothing already there is used: not a
 * file (a backup never overwrites one) and not a symbolic link, dangling or not, which would
 * send the copy wherever it points.
 */
function createBackupFile(destination: string): void {
  try {
    createPrivateFile(destination);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const folder = dirname(resolve(destination));
    if (code === "EEXIST" && lstatSync(destination).isSymbolicLink()) {
      throw new CommandError(`${destination} is a symbolic link; a backup is written only to a new file, never through a link`);
    }
    if (code === "EEXIST" && lstatSync(destination).isDirectory()) {
      throw new CommandError(`${destination} is a folder; give the path of a new file inside it, e.g. ${join(destination, "herald-backup.db")}`);
    }
    if (code === "EEXIST") throw new CommandError(`${destination} already exists; a backup never overwrites a file`);
    if (code === "ENOENT") throw new CommandError(`cannot write the backup: the folder ${folder} does not exist (create it first)`);
    if (code === "ENOTDIR") throw new CommandError(`cannot write the backup: ${folder} is not a folder`);
    if (code === "EACCES" || code === "EPERM") throw new CommandError(`cannot write the backup: no permission to create ${destination}`);
    throw new CommandError(`cannot write the backup to ${destination}: ${errorMessage(error)}`, { cause: error });
  }
}
