// The scheduler: tick() expires, claims and starts due deliveries; run() repeats it, sleeping
// until the next row is due or until nudge() says the ingress stored something new.
// Tests drive tick() with a manual clock; only run() touches real timers.

import type { Clock, Random } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";
import type { Destination } from "../core/types.ts";
import { platformOfHost } from "../core/destination-type.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Send } from "../delivery/sender.ts";
import { inlineDestination, inlineHost } from "../delivery/inline.ts";
import type { Logger } from "../log.ts";
import type { ClaimedDelivery, EnqueueResult, HeadClaim, NewDelivery, NewEvent, Outbox, Release } from "../outbox/types.ts";
import { runAttempt, type AttemptReport } from "./attempt.ts";
import { isStorageFault } from "../outbox/errors.ts";
import { createSettleBacklog } from "./settle-backlog.ts";
import { createPacer, type LaneProfile } from "./pacer.ts";
import { createMaintenance } from "./maintenance.ts";

/** Requests in flight at most, across destinations (Bun's fetch allows 256). */
export const MAX_IN_FLIGHT = 256;
/** The loop runs at least this often, so /readyz sees it alive and CLI retries are noticed. */
export const IDLE_WAKE_MS = 1_000;
/** A lease outlives the longest request by this much before another claim may take the row. */
const LEASE_MARGIN_MS = 60_000;

export interface SchedulerDeps {
  outbox: Outbox;
  clock: Clock;
  random: Random;
  config: () => RuntimeConfig;
  send: Send;
  logger: Logger;
  /** Called after every recorded attempt; metrics and operational events hang here. */
  onAttempt?: (delivery: ClaimedDelivery, report: AttemptReport & { kind: "settled" }) => void;
  /** Called when recording an attempt failed because the database refused the write. */
  onStorageFault?: (message: string) => void;
  /** Called for each delivery that expired without finishing. */
  onExpired?: (delivery: { id: string; destination: string }) => void;
  /** Called for each pending delivery failed because its destination left the config. */
  onOrphaned?: (delivery: { id: string; destination: string }) => void;
  /** The longest sleep between ticks; IDLE_WAKE_MS unless a test needs a missed wake to show. */
  idleWakeMs?: number;
}

export interface TickResult {
  expired: number;
  claimed: number;
  /** When the loop should look again (ms since epoch). */
  nextWakeAt: number;
  /** Settles when every attempt started by this tick has been recorded. */
  settled: Promise<void>;
}

export function createScheduler(deps: SchedulerDeps) {
  const { outbox, clock, config, logger } = deps;
  const idleWakeMs = deps.idleWakeMs ?? IDLE_WAKE_MS;
  const pacer = createPacer();
  const settles = createSettleBacklog(outbox, logger);
  const attemptDeps = { ...deps, settle: settles.settle };
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const maintenance = createMaintenance({ outbox, config, logger, onOrphaned: deps.onOrphaned });
  let wake: (() => void) | undefined;
  let nudged = false;
  let lastTickAt: number | undefined;
  let ticks = 0;

  const nudge = () => {
    nudged = true;
    wake?.();
  };

  const profileOf = (name: string, cfg: RuntimeConfig): LaneProfile =>
    cfg.destinations.get(name) ?? { name, type: platformOfHost(inlineHost(name)), policy: cfg.defaults };

  /**
   * New deliveries were stored for these lanes: wake the loop only if one of them could start a
   * request now. A lane that is full, paced or paused wakes the loop itself when it frees up (a
   * finishing request nudges; the sleep already ends when a window reopens), so waking for it
   * would cost a tick per commit and claim nothing: a tenth of the ingress's time under a
   * burst to a rate-limited destination (bench/README.md).
   */
  const nudgeFor = (lanes: Iterable<string>) => {
    if (nudged || pacer.totalInFlight() >= MAX_IN_FLIGHT) return;
    const now = clock.now();
    const cfg = config();
    for (const name of new Set(lanes)) {
      if (pacer.availableAt(profileOf(name, cfg), now) <= now) return nudge();
    }
  };

  /**
   * Configured lanes whose due rows the last claim took entirely. A delivery published for such
   * a lane can start at once (handOff); a lane with rows left waiting is behind, and its new
   * deliveries queue after the old ones until a claim catches it up again.
   */
  const caughtUp = new Set<string>();

  const leaseFrom = (cfg: RuntimeConfig, now: number) =>
    now + Math.max(cfg.defaults.timeoutMs, ...[...cfg.destinations.values()].map((d) => d.policy.timeoutMs)) + LEASE_MARGIN_MS;

  /**
   * Takes, before they are stored, the deliveries whose lane is caught up and can start a
   * request now: they are written in flight with a lease (so the row is claimed by the very
   * commit that stores it) and start as soon as that commit returns, with no claim of their
   * own. Call stored() after the commit (it also wakes the loop for the deliveries stored
   * pending, through nudgeFor), or failed() if it threw.
   */
  const handOff = (events: NewEvent[]) => {
    const now = clock.now();
    const cfg = config();
    const leaseUntil = leaseFrom(cfg, now);
    const taken: NewDelivery[] = [];
    for (const event of events) {
      for (const delivery of event.deliveries) {
        const destination = delivery.target ? undefined : cfg.destinations.get(delivery.destination);
        if (!destination || destination.ordered || !caughtUp.has(destination.name)) continue;
        if (pacer.totalInFlight() >= MAX_IN_FLIGHT || !pacer.tryStart(destination, now)) continue;
        delivery.leaseUntil = leaseUntil;
        taken.push(delivery);
      }
    }
    return {
      stored(results: EnqueueResult[]) {
        const pendingFor: string[] = [];
        events.forEach((event, i) => {
          const { duplicate, deliveries: stored } = results[i]!;
          let data: Record<string, unknown> | undefined;
          for (const [j, delivery] of event.deliveries.entries()) {
            if (delivery.leaseUntil === undefined) {
              if (duplicate) continue;
              caughtUp.delete(delivery.destination);
              pendingFor.push(delivery.destination);
            } else if (duplicate) {
              pacer.abandon(delivery.destination, now);
            } else {
              data ??= JSON.parse(event.data) as Record<string, unknown>;
              const claimed: ClaimedDelivery = {
                id: delivery.id,
                eventId: event.id,
                destination: delivery.destination,
                attempt: 1,
                lease: stored[j]!.lease!,
                failedAttempts: 0,
                expiresAt: delivery.expiresAt,
                event: { event: event.name, timestamp: event.timestamp, data },
                rawBody: event.rawBody,
              };
              void start(claimed, cfg, now);
            }
          }
        });
        nudgeFor(pendingFor);
      },
      failed() {
        for (const delivery of taken) {
          pacer.abandon(delivery.destination, now);
          delete delivery.leaseUntil;
        }
      },
    };
  };

  const destinationFor = (delivery: ClaimedDelivery, cfg: RuntimeConfig): Destination | undefined => {
    if (!delivery.target) return cfg.destinations.get(delivery.destination);
    return { ...inlineDestination(delivery.target, cfg.defaults), name: delivery.destination };
  };

  const start = (delivery: ClaimedDelivery, cfg: RuntimeConfig, claimedAt: number): Promise<void> => {
    const controller = new AbortController();
    const done = runAttempt(attemptDeps, delivery, destinationFor(delivery, cfg), controller.signal)
      .then((report) => {
        if (report.kind === "released") {
          logger.info("delivery.released", { delivery: delivery.id, destination: delivery.destination });
          return;
        }
        if (report.pauseUntil) pacer.pause(delivery.destination, report.pauseUntil);
        logAttempt(logger, delivery, report);
        deps.onAttempt?.(delivery, report);
      })
      .catch((error) => {
        // The row stays in flight; its lease runs out and maintenance puts it back.
        logger.error("delivery.error", { delivery: delivery.id, destination: delivery.destination, error: errorMessage(error) });
        if (isStorageFault(error)) deps.onStorageFault?.(errorMessage(error));
      })
      .finally(() => {
        pacer.finish(delivery.destination, claimedAt, clock.now());
        inFlight.delete(delivery.id);
        nudge();
      });
    inFlight.set(delivery.id, { controller, done });
    return done;
  };

  const claim = async (cfg: RuntimeConfig, now: number, headWaits: number[]): Promise<ClaimedDelivery[]> => {
    const leaseUntil = leaseFrom(cfg, now);
    const claimed: ClaimedDelivery[] = [];

    // Ordered destinations: only their oldest unfinished delivery, and only when none is in flight.
    for (const destination of cfg.destinations.values()) {
      if (!destination.ordered || pacer.availableAt(destination, now) > now) continue;
      if (!pacer.tryStart(destination, now)) continue;
      let head: HeadClaim;
      try {
        head = await outbox.claimHead(destination.name, now, leaseUntil);
      } catch (error) {
        // The one slot of an ordered lane must come back, or the lane stalls until a restart.
        pacer.abandon(destination.name, now);
        throw error;
      }
      if (head.claimed) claimed.push(head.claimed);
      else pacer.abandon(destination.name, now);
      // A head waiting out its backoff blocks the rows behind it, which look due: wake for it.
      if (head.waitUntil !== undefined) headWaits.push(head.waitUntil);
    }

    const capacity = MAX_IN_FLIGHT - pacer.totalInFlight();
    if (capacity <= 0) return claimed;
    // Each destination that can start a request now gets a quota: the pacer's room for it, out
    // of what is left of the capacity, so the claim takes no more rows than can start. The
    // starting point rotates so no destination is always served last.
    const open = [...cfg.destinations.values()].filter((d) => !d.ordered && pacer.availableAt(d, now) <= now);
    const first = open.length > 0 ? ticks % open.length : 0;
    let left = capacity;
    const lanes = [...open.slice(first), ...open.slice(0, first)].map((d) => {
      const limit = Math.min(left, pacer.room(d, now));
      left -= limit;
      return { destination: d.name, limit };
    });
    const inlineExclude = pacer.lanes().filter((name) => name.startsWith("inline:") && pacer.availableAt(profileOf(name, cfg), now) > now);
    // Inline lanes are known only once read: up to this many rows are taken, then admitted.
    const inlineLimit = left > 0 ? Math.min(1_000, left * 2 + 32) : 0;
    const rows = await outbox.claimDue({ now, leaseUntil, lanes, inline: { limit: inlineLimit, exclude: inlineExclude } });
    const started: ClaimedDelivery[] = [];
    const refused: Release[] = [];
    const taken = new Map<string, number>();
    for (const row of rows) {
      // A configured lane's rows are within its quota; an inline row may meet a lane the
      // pacer has no room for (several rows of one webhook), or the capacity may run out.
      if (row.target && (left <= 0 || !pacer.tryStart(profileOf(row.destination, cfg), now))) {
        refused.push({ id: row.id, lease: row.lease });
        continue;
      }
      if (row.target) left -= 1;
      else pacer.tryStart(profileOf(row.destination, cfg), now);
      taken.set(row.destination, (taken.get(row.destination) ?? 0) + 1);
      started.push(row);
    }
    // A lane that was offered fewer due rows than it could take, and took them all, has
    // nothing waiting: what is published for it next may start at once.
    for (const lane of lanes) {
      if ((taken.get(lane.destination) ?? 0) < lane.limit) caughtUp.add(lane.destination);
      else caughtUp.delete(lane.destination);
    }
    // Given back without spending an attempt; they keep their place for the next claim.
    if (refused.length > 0) await releaseRefused(refused, now);
    return [...claimed, ...started];
  };

  /**
   * A failed release must not stop the rows just admitted from starting (their slots are
   * taken): the refused ones stay in flight until their lease runs out and maintenance puts
   * them back.
   */
  const releaseRefused = async (refused: Release[], now: number) => {
    try {
      await outbox.release(refused, now);
    } catch (error) {
      logger.warn("scheduler.release_failed", { count: refused.length, error: errorMessage(error) });
    }
  };

  const tick = async (): Promise<TickResult> => {
    ticks++;
    const now = clock.now();
    const cfg = config();
    lastTickAt = now;
    nudged = false;

    // Attempts that finished while another process held the lock are recorded first; if the
    // lock is still there this throws, and the tick stops after one short wait, not several.
    await settles.retry();
    const expired = await outbox.expireDue(now);
    for (const row of expired) {
      logger.warn("delivery.expired", { delivery: row.id, event: row.eventId, destination: row.destination, error: row.lastError });
      deps.onExpired?.(row);
    }
    await maintenance.runIfDue(now);

    const headWaits: number[] = [];
    const claimed = await claim(cfg, now, headWaits);
    const settled = Promise.all(claimed.map((delivery) => start(delivery, cfg, now))).then(() => undefined);
    return { expired: expired.length, claimed: claimed.length, nextWakeAt: await nextWake(now, headWaits, cfg), settled };
  };

  /** The earliest of: the next due row, a paced lane reopening, an ordered head's retry time, the idle wake. */
  const nextWake = async (now: number, headWaits: number[], cfg: RuntimeConfig): Promise<number> => {
    const candidates = [now + idleWakeMs, ...headWaits];
    // A due row not claimed is waiting for a slot (a finishing request nudges) or a lane to reopen.
    const due = await outbox.nextDueAfter([...cfg.destinations.keys()], now);
    if (due !== undefined) candidates.push(due);
    const reopening = pacer.earliestReopening(now);
    if (reopening !== undefined) candidates.push(reopening);
    return Math.min(...candidates.filter((t) => t > now));
  };

  const sleepUntil = (at: number, signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      if (nudged || signal.aborted) return resolve();
      const timer = setTimeout(done, Math.max(0, at - clock.now()));
      signal.addEventListener("abort", done, { once: true });
      wake = done;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener("abort", done);
        wake = undefined;
        resolve();
      }
    });

  /** Ticks until `signal` aborts. Storage faults are logged and retried; they never end the loop. */
  const run = async (signal: AbortSignal) => {
    while (!signal.aborted) {
      let wakeAt = clock.now() + idleWakeMs;
      try {
        wakeAt = (await tick()).nextWakeAt;
      } catch (error) {
        logger.error("scheduler.tick_failed", { error: errorMessage(error) });
      }
      await sleepUntil(wakeAt, signal);
    }
  };

  /** Settles when every attempt in flight now has been recorded (shutdown, and tests that drive ticks). */
  const idle = async () => {
    await Promise.all([...inFlight.values()].map((entry) => entry.done));
  };

  /**
   * Shutdown: lets requests in flight finish within `graceMs`, then aborts the rest; aborted
   * ones go back to pending without spending an attempt.
   */
  const drain = async (graceMs: number) => {
    const timedOut = await Promise.race([idle().then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), graceMs))]);
    if (timedOut) {
      for (const entry of inFlight.values()) entry.controller.abort();
      // Settles kept through a lock get one last try; the rest are logged as lost, not awaited forever.
      await settles.abandon();
    }
    await idle();
  };

  return {
    tick,
    run,
    nudge,
    handOff,
    idle,
    drain,
    /** The last time a tick started; /readyz uses it to see a stuck loop. */
    lastTickAt: () => lastTickAt,
  };
}

export type Scheduler = ReturnType<typeof createScheduler>;


function logAttempt(logger: Logger, delivery: ClaimedDelivery, report: AttemptReport & { kind: "settled" }) {
  const { record, next } = report;
  const fields = {
    delivery: delivery.id,
    event: delivery.eventId,
    destination: delivery.destination,
    attempt: record.n,
    status_code: record.statusCode,
    duration_ms: record.durationMs,
    outcome: record.outcome,
    error: record.error,
  };
  if (next.status === "pending") {
    logger.info("delivery.attempt", { ...fields, next_attempt_at: new Date(next.at).toISOString() });
  } else if (next.status === "succeeded") {
    logger.info("delivery.succeeded", fields);
  } else {
    logger.warn("delivery.failed", { ...fields, reason: next.reason });
  }
}
