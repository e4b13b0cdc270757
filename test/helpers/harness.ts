// Herald's parts wired by the same wireRelay() as app.ts, but with a manual clock and fixed randomness, so a
// test publishes through the real ingress and drives the scheduler one tick() at a time.
import { join } from "node:path";
import type { RuntimeConfig } from "../../src/config/runtime.ts";
import type { Resolver } from "../../src/delivery/ssrf-guard.ts";
import { createLogger } from "../../src/log.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";
import { QUICK_BUSY_TIMEOUT_MS, setBusyTimeout } from "../../src/outbox/sqlite/handle.ts";
import type { Outbox } from "../../src/outbox/types.ts";
import { wireRelay } from "../../src/wiring.ts";
import type { EventsAdapter } from "../../src/dashboard/events-adapter.ts";
import { manualClock, type ManualClock } from "./clock.ts";
import { tempDir } from "./fs.ts";

/** `realTime`: the system clock instead of the manual one, for tests that let scheduler.run() sleep and wake by itself. */
export function createHarness(
  makeConfig: (dbPath: string) => RuntimeConfig,
  options: { resolve?: Resolver; fetch?: typeof fetch; wrapOutbox?: (outbox: Outbox) => Outbox; realTime?: { idleWakeMs: number }; events?: EventsAdapter } = {},
) {
  const dbPath = join(tempDir(), "herald.db");
  let config = makeConfig(dbPath);
  const clock: ManualClock = options.realTime ? { now: () => Date.now(), advance: () => { throw new Error("a real-time harness cannot move its clock"); } } : manualClock();
  const logs: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level: () => "debug", clock, sensitive: () => config.sensitive, write: (line) => logs.push(JSON.parse(line)) });
  const opened = openOutbox(dbPath, { synchronous: "full" });
  const { operator, handle } = opened;
  // As serve does once it has started (app.ts).
  setBusyTimeout(handle, QUICK_BUSY_TIMEOUT_MS);
  const outbox = options.wrapOutbox ? options.wrapOutbox(opened.outbox) : opened.outbox;
  const { scheduler, ingress, metrics } = wireRelay({ config: () => config, clock, random: () => 0.5, resolve: options.resolve, fetch: options.fetch, outbox, operator, logger, idleWakeMs: options.realTime?.idleWakeMs, events: options.events });

  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    ingress.request(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });

  /** Ticks and waits for every attempt in flight: the tick's, and those handed off at a commit. */
  const tickAndSettle = async () => {
    const result = await scheduler.tick();
    await result.settled;
    await scheduler.idle();
    return result;
  };

  const deliveryRow = (id: string) =>
    handle.client.query("SELECT status, attempts, failed_attempts, next_attempt_at, last_error, last_status_code FROM deliveries WHERE id = ?").get(id) as {
      status: string;
      attempts: number;
      failed_attempts: number;
      next_attempt_at: number;
      last_error: string | null;
      last_status_code: number | null;
    };

  return {
    dbPath,
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
    setConfig: (next: RuntimeConfig) => {
      config = next;
    },
  };
}
