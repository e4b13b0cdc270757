// The scheduler: tick() expires, claims and starts due deliveries; run() repeats it, sleeping
// until the next row is due or until nudge() says the ingress stored something new.
// Tests drive tick() with a manual clock; only run() touches real timers.

import type { Clock, Random } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";
import type { Destination } from "../core/types.ts";
import { platformOfHost } from "../platforms/registry.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Send } from "../delivery/sender.ts";
import { inlineDestination, inlineHost } from "../delivery/inline.ts";
import type { Logger } from "../log.ts";
import type { ClaimedDelivery, EnqueueResult, NewDelivery, NewEvent, Outbox } from "../outbox/types.ts";
import { runAttempt, type AttemptReport } from "./attempt.ts";
import { isStorageFault } from "../outbox/errors.ts";
import { createSettleBacklog } from "./settle-backlog.ts";
import { createPacer, type LaneProfile } from "./pacer.ts";
import { createMaintenance } from "./maintenance.ts";
import { createLaneHolds } from "./lane-holds.ts";
import type { DestinationHold } from "../core/destination-state.ts";
import { createDigests, type DigestBatch } from "./digest.ts";
import { createCatchUp } from "./catch-up.ts";
import { createClaim } from "./claim.ts";

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
  /** Called once when Herald disables a destination (its webhook is gone, or too many failures in a row). */
  onDisabled?: (hold: DestinationHold) => void;
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
  const digests = createDigests({ ...attemptDeps, pacer });
  const inFlight = new Map<string, { controller: AbortController; done: Promise<void> }>();
  const maintenance = createMaintenance({ outbox, config, logger });
  const holds = createLaneHolds({ store: outbox, config, clock, logger, refreshMs: idleWakeMs, onDisabled: deps.onDisabled });
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
  const caughtUp = createCatchUp();

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
        if (!destination || destination.ordered || !caughtUp.has(destination.name) || !holds.mayHandOff(destination.name)) continue;
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
              caughtUp.fellBehind(delivery.destination);
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

  const reported = async (delivery: ClaimedDelivery, report: AttemptReport) => {
    if (report.kind === "released") {
      logger.info("delivery.released", { delivery: delivery.id, destination: delivery.destination });
      return;
    }
    if (report.pauseUntil) pacer.pause(delivery.destination, report.pauseUntil);
    if (report.record.outcome === "rate_limited") digests.rateLimited(delivery.destination);
    logAttempt(logger, delivery, report);
    deps.onAttempt?.(delivery, report);
    // A gone answer, or the lane's Nth failed delivery in a row, disables the destination.
    await holds.attempted(delivery.destination, report);
  };

  /** One request of `lane` (a delivery, or a digest of several), from its claim until its slot is given back. */
  const track = (key: { delivery: string } | { digest: string }, lane: string, claimedAt: number, run: (signal: AbortSignal) => Promise<void>): Promise<void> => {
    const id = "delivery" in key ? key.delivery : key.digest;
    const controller = new AbortController();
    const done = run(controller.signal)
      .catch((error) => {
        // The rows stay in flight; their lease runs out and maintenance puts them back.
        logger.error("delivery.error", { ...key, destination: lane, error: errorMessage(error) });
        if (isStorageFault(error)) deps.onStorageFault?.(errorMessage(error));
      })
      .finally(() => {
        pacer.finish(lane, claimedAt, clock.now());
        inFlight.delete(id);
        nudge();
      });
    inFlight.set(id, { controller, done });
    return done;
  };

  const start = (delivery: ClaimedDelivery, cfg: RuntimeConfig, claimedAt: number): Promise<void> =>
    track({ delivery: delivery.id }, delivery.destination, claimedAt, async (signal) => reported(delivery, await runAttempt(attemptDeps, delivery, destinationFor(delivery, cfg), signal)));

  const startDigest = (batch: DigestBatch, claimedAt: number): Promise<void> =>
    track({ digest: batch.id }, batch.destination.name, claimedAt, async (signal) => {
      try {
        for (const [delivery, report] of await digests.send(batch, signal)) await reported(delivery, report);
      } finally {
        digests.done(batch.destination.name);
      }
    });

  const claim = createClaim({ outbox, pacer, logger, profileOf, caughtUp, maxInFlight: MAX_IN_FLIGHT, skip: (name) => digests.holds(name) || holds.isHeld(name) });

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
      await holds.expired(row.destination, row.lastError);
    }
    await maintenance.runIfDue(now);
    await holds.refresh(now);

    const headWaits: number[] = [];
    // Backed-up chat lanes first, so the ordinary claim does not take their rows one by one.
    const digested = await digests.plan(cfg, now, leaseFrom(cfg, now), (name) => holds.isHeld(name));
    const claimed = [...digested.singles, ...(await claim(cfg, now, leaseFrom(cfg, now), headWaits, ticks))];
    const settled = Promise.all([...claimed.map((delivery) => start(delivery, cfg, now)), ...digested.batches.map((batch) => startDigest(batch, now))]).then(() => undefined);
    const count = claimed.length + digested.batches.reduce((sum, batch) => sum + batch.rows.length, 0);
    return { expired: expired.length, claimed: count, nextWakeAt: await nextWake(now, headWaits, cfg), settled };
  };

  /** The earliest of: the next due row, a paced lane reopening, an ordered head's retry time, the idle wake. */
  const nextWake = async (now: number, headWaits: number[], cfg: RuntimeConfig): Promise<number> => {
    const candidates = [now + idleWakeMs, ...headWaits];
    // A due row not claimed is waiting for a slot (a finishing request nudges) or a lane to reopen.
    const due = await outbox.nextDueAfter([...cfg.destinations.keys()].filter((name) => !holds.isHeld(name)), now);
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
    /** A pause, resume or re-enable was just stored: the next tick (started now) sees it. */
    holdsChanged: () => {
      holds.changed();
      nudge();
    },
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
