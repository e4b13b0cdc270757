// Herald's parts wired by the same wireRelay() as app.ts, but with a manual clock and fixed randomness, so a
// test publishes through the real ingress and drives the scheduler one tick() at a time. The
// outbox is a new SQLite file, or with HERALD_TEST_STORAGE=postgres a new PostgreSQL database
// (test/helpers/storage.ts); `query` reads rows from either (test/helpers/rows.ts), and `select`
// does asynchronously, once the outbox is open, for a test that reads often.
import { join } from "node:path";
import type { RuntimeConfig } from "../../src/config/runtime.ts";
import type { Resolver } from "../../src/delivery/ssrf-guard.ts";
import { createLogger } from "../../src/log.ts";
import { openPostgresStorage } from "../../src/outbox/postgres/open.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { QUICK_BUSY_TIMEOUT_MS, setBusyTimeout, type SqliteHandle } from "../../src/outbox/sqlite/handle.ts";
import type { OperatorStore, Outbox } from "../../src/outbox/types.ts";
import { wireRelay } from "../../src/wiring.ts";
import { manualClock, type ManualClock } from "./clock.ts";
import { onTestEnd } from "./cleanup.ts";
import { tempDir } from "./fs.ts";
import { postgresSelect, rowsOf, type Rows, type Select } from "./rows.ts";
import { freshPgDatabase, releasePgDatabase, testBackend } from "./storage.ts";

/**
 * An object whose methods wait for `ready` and call the opened one's: PostgreSQL opens
 * asynchronously, while createHarness is synchronous for its many callers. Every Outbox and
 * OperatorStore method is async; a property read once the open has finished is the real one.
 */
function deferred<T extends object>(ready: Promise<T>): T {
  let opened: T | undefined;
  void ready.then((value) => (opened = value), () => {});
  return new Proxy({} as T, {
    get: (_, key) => {
      if (opened) return Reflect.get(opened, key);
      return async (...args: unknown[]) => {
        const target = await ready;
        return (Reflect.get(target, key) as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

interface OpenedOutbox {
  /** The SQLite file, or the PostgreSQL database's URL. */
  location: string;
  outbox: Outbox;
  operator: OperatorStore;
  /** SQLite's handle, for the SQLite-only tests that reach under the seam. */
  handle: SqliteHandle;
  query: Rows["query"];
  select: Select;
  /** Rows.execute, once the database is open and migrated (on PostgreSQL that is asynchronous). */
  execute(sql: string): Promise<void>;
}

/** Wrappers a test puts around what the app is given, e.g. to inject a fault into one method. */
export interface StorageWraps {
  wrapOutbox?: (outbox: Outbox) => Outbox;
  wrapOperator?: (operator: OperatorStore) => OperatorStore;
}

const unwrapped = <T>(value: T) => value;

/** The wraps are applied to the opened outbox and operator (on PostgreSQL once open: a proxy has no methods to copy). */
function openHarnessOutbox({ wrapOutbox = unwrapped, wrapOperator = unwrapped }: StorageWraps): OpenedOutbox {
  if (testBackend() === "postgres") {
    const url = freshPgDatabase();
    const ready = openPostgresStorage(url, { migrate: true, applicationName: "herald-harness" });
    const reads = postgresSelect(url);
    onTestEnd(async () => {
      await reads.close();
      await (await ready.catch(() => undefined))?.close();
      releasePgDatabase(url);
    });
    const rows = rowsOf(url);
    const noHandle = new Proxy({} as SqliteHandle, { get: () => { throw new Error("h.handle is SQLite's; this test runs on PostgreSQL (mark it sqliteOnly)"); } });
    return {
      location: url,
      outbox: deferred(ready.then((s) => wrapOutbox(s.outbox))),
      operator: deferred(ready.then((s) => wrapOperator(s.operator))),
      handle: noHandle,
      query: rows.query,
      select: async (sql, ...params) => {
        await ready;
        return reads.select(sql, ...params);
      },
      execute: async (sql) => {
        await ready;
        rows.execute(sql);
      },
    };
  }
  const dbPath = join(tempDir(), "herald.db");
  const { outbox, operator, handle } = openOutbox(dbPath, { synchronous: "full" });
  // As serve does once it has started (app.ts).
  setBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS);
  return {
    location: dbPath,
    outbox: wrapOutbox(outbox),
    operator: wrapOperator(operator),
    handle,
    query: (sql) => handle.client.query(sql) as ReturnType<Rows["query"]>,
    select: async (sql, ...params) => handle.client.query(sql).all(...(params as never[])) as Awaited<ReturnType<Select>>,
    execute: async (sql) => void handle.client.run(sql),
  };
}

/** `realTime`: the system clock instead of the manual one, for tests that let scheduler.run() sleep and wake by itself. */
export function createHarness(
  makeConfig: (dbPath: string) => RuntimeConfig,
  options: StorageWraps & { resolve?: Resolver; fetch?: typeof fetch; realTime?: { idleWakeMs: number } } = {},
) {
  const opened = openHarnessOutbox(options);
  const { handle, query, select, execute } = opened;
  // Operational events are stored without being awaited (after a lookup, then an enqueue); on
  // PostgreSQL each is a round trip, so tickAndSettle waits until no outbox or operator call is
  // in progress, as SQLite's near-instant calls made moot.
  const inFlight = new Set<Promise<unknown>>();
  const tracked = <T extends object>(target: T): T =>
    new Proxy(target, {
      get: (object, key) => {
        const value = Reflect.get(object, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) => {
          const result = (value as (...a: unknown[]) => unknown).apply(object, args);
          if (result instanceof Promise) {
            const settled: Promise<unknown> = result.catch(() => {}).finally(() => inFlight.delete(settled));
            inFlight.add(settled);
          }
          return result;
        };
      },
    });
  const outbox = tracked(opened.outbox);
  const operator = tracked(opened.operator);
  /** Until no call is in progress (a few rounds: one call's end may start the next). */
  const quiet = async () => {
    for (let round = 0; round < 20; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      if (inFlight.size === 0) return;
      await Promise.all(inFlight);
    }
  };
  // The SQLite file or the PostgreSQL URL: relayToml() writes either into [storage].
  const dbPath = opened.location;
  let config = makeConfig(dbPath);
  const clock: ManualClock = options.realTime ? { now: () => Date.now(), advance: () => { throw new Error("a real-time harness cannot move its clock"); } } : manualClock();
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: () => "debug", clock, sensitive: () => config.sensitive, write: (line) => logs.push(JSON.parse(line)) });
  const { scheduler, ingress, metrics } = wireRelay({ config: () => config, clock, random: () => 0.5, resolve: options.resolve, fetch: options.fetch, outbox, operator, logger, idleWakeMs: options.realTime?.idleWakeMs });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    ingress.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  /** Ticks and waits for every attempt in flight: the tick's, and those handed off at a commit. */
  const tickAndSettle = async () => {
    await quiet();
    const result = await scheduler.tick();
    await result.settled;
    await scheduler.idle();
    await quiet();
    return result;
  };

  const deliveryRow = (id: string) =>
    query("SELECT status, attempts, failed_attempts, next_attempt_at, last_error, last_status_code FROM deliveries WHERE id = ?").get(id) as {
      status: string;
      attempts: number;
      failed_attempts: number;
      next_attempt_at: number;
      last_error: string | null;
      last_status_code: number | null;
    };

  return {
    dbPath,
    /** A SELECT on the outbox, on either backend. */
    query,
    /** A SELECT on the outbox, on either backend, answered asynchronously once it is open: for many reads. */
    select,
    /** A statement that answers no rows (set-up), in SQL both backends take. */
    execute,
    clock,
    logs,
    outbox,
    operator,
    handle,
    scheduler,
    ingress,
    post,
    tickAndSettle,
    deliveryRow,
    metrics,
    /** The config the relay runs on: its [storage] names this harness's outbox, for a command to open. */
    config: () => config,
    setConfig: (next: RuntimeConfig) => {
      config = next;
    },
  };
}
