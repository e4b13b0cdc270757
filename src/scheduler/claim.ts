// The scheduler's claim: which due deliveries start this tick. Each configured destination that
// can start a request now gets a quota from the pacer before the claim (its room), so storage
// takes up to that many rows per lane in one statement and never calls back mid-claim. Inline
// webhooks' lanes are known only once read: their rows are admitted afterwards, and those the
// pacer refuses are released under their lease without spending an attempt.

import { errorMessage } from "../core/errors.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Logger } from "../log.ts";
import type { ClaimedDelivery, HeadClaim, Outbox, Release } from "../outbox/types.ts";
import type { CatchUp } from "./catch-up.ts";
import type { LaneProfile, Pacer } from "./pacer.ts";

export interface ClaimDeps {
  outbox: Outbox;
  pacer: Pacer;
  logger: Logger;
  profileOf: (name: string, cfg: RuntimeConfig) => LaneProfile;
  /** Configured lanes whose due rows the last claim took entirely (see Scheduler.handOff); kept up to date here. */
  caughtUp: CatchUp;
  maxInFlight: number;
  /** Lanes the claim leaves alone this tick (held, or a digest of theirs is in flight). */
  skip?: (name: string) => boolean;
}

export function createClaim({ outbox, pacer, logger, profileOf, caughtUp, maxInFlight, skip = () => false }: ClaimDeps) {
  const claim = async (cfg: RuntimeConfig, now: number, leaseUntil: number, headWaits: number[], ticks: number): Promise<ClaimedDelivery[]> => {
    const claimed: ClaimedDelivery[] = [];

    // Ordered destinations: only their oldest unfinished delivery, and only when none is in flight.
    for (const destination of cfg.destinations.values()) {
      if (!destination.ordered || skip(destination.name) || pacer.availableAt(destination, now) > now) continue;
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

    const capacity = maxInFlight - pacer.totalInFlight();
    if (capacity <= 0) return claimed;
    // Each destination that can start a request now gets a quota: the pacer's room for it, out
    // of what is left of the capacity. The quota's slots are taken before the claim, so what
    // the ingress hands off while the claim's round trip is out cannot take them a second
    // time; the slots the claim finds no rows for are given back after it. The starting point
    // rotates so no destination is always served last.
    const open = [...cfg.destinations.values()].filter((d) => !d.ordered && !skip(d.name) && pacer.availableAt(d, now) <= now);
    const first = open.length > 0 ? ticks % open.length : 0;
    let left = capacity;
    const lanes = [...open.slice(first), ...open.slice(0, first)].map((d) => {
      const quota = Math.min(left, pacer.room(d, now));
      let limit = 0;
      while (limit < quota && pacer.tryStart(d, now)) limit += 1;
      left -= limit;
      return { destination: d.name, limit };
    });
    const giveBack = (lane: string, count: number) => {
      for (let i = 0; i < count; i++) pacer.abandon(lane, now);
    };
    const inlineExclude = pacer.lanes().filter((name) => name.startsWith("inline:") && pacer.availableAt(profileOf(name, cfg), now) > now);
    // Inline lanes are known only once read: up to this many rows are taken, then admitted.
    const inlineLimit = left > 0 ? Math.min(1_000, left * 2 + 32) : 0;
    let rows: ClaimedDelivery[];
    caughtUp.claimStarted();
    try {
      rows = await outbox.claimDue({ now, leaseUntil, lanes, inline: { limit: inlineLimit, exclude: inlineExclude } });
    } catch (error) {
      caughtUp.claimEnded();
      for (const lane of lanes) giveBack(lane.destination, lane.limit);
      throw error;
    }
    const started: ClaimedDelivery[] = [];
    const refused: Release[] = [];
    // A configured lane's rows use the slots taken for it; storage returns no more than its quota.
    const taken = new Map<string, number>();
    const quotaOf = new Map(lanes.map((lane) => [lane.destination, lane.limit]));
    for (const row of rows.filter((r) => !r.target)) {
      const count = taken.get(row.destination) ?? 0;
      if (count >= (quotaOf.get(row.destination) ?? 0)) refused.push({ id: row.id, lease: row.lease });
      else {
        taken.set(row.destination, count + 1);
        started.push(row);
      }
    }
    // A lane that was offered fewer due rows than it could take, and took them all, has
    // nothing waiting: what is published for it next may start at once.
    for (const lane of lanes) {
      const used = taken.get(lane.destination) ?? 0;
      giveBack(lane.destination, lane.limit - used);
      caughtUp.claimed(lane.destination, used < lane.limit);
    }
    caughtUp.claimEnded();
    // An inline row may meet a lane the pacer has no room for (several rows of one webhook),
    // or the capacity may be gone: the ingress may have handed off rows while the claim was out.
    for (const row of rows.filter((r) => r.target)) {
      if (pacer.totalInFlight() < maxInFlight && pacer.tryStart(profileOf(row.destination, cfg), now)) started.push(row);
      else refused.push({ id: row.id, lease: row.lease });
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

  return claim;
}
