// Which lanes the scheduler may claim: a destination held in destination_state (paused by an
// operator, disabled by Herald) or paused in the config is skipped, so its deliveries wait and
// still expire. The holds are read once a second (the CLI writes them from another process)
// and at once after changed(). Herald disables a destination here when the platform says its
// webhook is gone, or after `disable_after_failures` deliveries in a row ended failed or
// expired. Inline webhooks are never held: they are a producer's, and no state is kept for them.

import type { Clock } from "../core/clock.ts";
import type { DestinationHold } from "../core/destination-state.ts";
import { errorMessage } from "../core/errors.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Logger } from "../log.ts";
import type { DestinationStateStore } from "../outbox/types.ts";
import type { AttemptReport } from "./attempt.ts";

export interface LaneHoldsDeps {
  store: DestinationStateStore;
  config: () => RuntimeConfig;
  clock: Clock;
  logger: Logger;
  /** How often the stored holds are read again; the CLI's pause or resume takes effect within this. */
  refreshMs: number;
  /** Called once when Herald disables a destination (the operational event hangs here). */
  onDisabled?: (hold: DestinationHold) => void;
}

export function createLaneHolds(deps: LaneHoldsDeps) {
  const { store, config, logger } = deps;
  let stored = new Map<string, DestinationHold>();
  let loadedAt = -Infinity;
  let stale = true;
  // Deliveries ended badly in a row, per configured destination; in memory, so a restart
  // starts each count at zero (as the failing streaks of operational events do).
  const streaks = new Map<string, number>();

  const isHeld = (name: string) => stored.has(name) || (config().destinations.get(name)?.paused ?? false);

  /** Reads the stored holds when a second has passed or something changed them; a failed read keeps the last ones. */
  const refresh = async (now: number) => {
    if (!stale && now - loadedAt < deps.refreshMs) return;
    stale = false;
    loadedAt = now;
    try {
      stored = new Map((await store.listHolds()).map((hold) => [hold.destination, hold]));
    } catch (error) {
      stale = true;
      logger.error("destination.states_unread", { error: errorMessage(error) });
    }
  };

  const disable = async (destination: string, by: "gone" | "failing", reason: string) => {
    if (!config().destinations.has(destination)) return;
    const { hold, created } = await store.hold({ destination, by, reason, since: deps.clock.now() });
    stored.set(destination, hold);
    streaks.delete(destination);
    if (!created) return;
    logger.warn("destination.disabled", { destination, cause: by, reason });
    deps.onDisabled?.(hold);
  };

  const endedBadly = async (destination: string, reason: string) => {
    const limit = config().destinations.get(destination)?.policy.disableAfterFailures ?? 0;
    const count = (streaks.get(destination) ?? 0) + 1;
    streaks.set(destination, count);
    if (limit > 0 && count >= limit) await disable(destination, "failing", `${count} deliveries in a row ended failed or expired; the last: ${reason}`);
  };

  /** Storage trouble here must not cost the attempt its bookkeeping: it is logged, and the next one tries again. */
  const guarded = async (destination: string, run: () => Promise<void>) => {
    try {
      await run();
    } catch (error) {
      logger.error("destination.state_not_stored", { destination, error: errorMessage(error) });
    }
  };

  return {
    refresh,
    isHeld,
    /**
     * May a new delivery of this lane be handed off at commit? Not while a change made in this
     * process has not been read back yet: a pause must hold the very next event.
     */
    mayHandOff: (name: string) => !stale && !isHeld(name),
    /** An API or CLI call in this process changed a hold: read them again at the next tick. */
    changed: () => {
      stale = true;
    },
    /** A settled attempt of a configured destination: a gone webhook disables it; a delivery's end counts toward the streak. */
    attempted: (destination: string, report: AttemptReport & { kind: "settled" }) =>
      guarded(destination, async () => {
        if (!config().destinations.has(destination)) return;
        if (report.gone) return disable(destination, "gone", report.gone);
        if (report.next.status === "succeeded") streaks.delete(destination);
        else if (report.next.status === "failed") await endedBadly(destination, report.next.reason);
      }),
    /** A delivery expired. One of a held lane waited by design and says nothing about the receiver. */
    expired: (destination: string, reason: string) =>
      guarded(destination, async () => {
        if (config().destinations.has(destination) && !isHeld(destination)) await endedBadly(destination, reason);
      }),
  };
}

export type LaneHolds = ReturnType<typeof createLaneHolds>;
