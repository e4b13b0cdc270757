// Per-destination admission: concurrency slots, a sliding-window rate limit, and pauses asked
// for by the platform (Discord's empty bucket, a 429's retry_after). In memory: it describes
// this process's own traffic, and a restart begins with empty windows.

import type { DeliveryPolicy, DestinationType } from "../core/types.ts";
import type { Rate } from "../core/units.ts";

/** Default pacing under the platforms' documented limits (platform-notes.md). */
export const PLATFORM_RATES: Partial<Record<DestinationType, Rate>> = {
  discord: { count: 5, perMs: 2_000 },
  slack: { count: 1, perMs: 1_000 },
};

/** What the pacer needs to know of a destination. */
export interface LaneProfile {
  name: string;
  type: DestinationType;
  rateLimit?: Rate;
  policy: Pick<DeliveryPolicy, "concurrency">;
}

interface Lane {
  inFlight: number;
  pausedUntil: number;
  rate?: Rate;
  /** Start times of recent requests, oldest first (only the last `rate.count` matter). */
  sent: number[];
}

export function effectiveRate(profile: LaneProfile): Rate | undefined {
  return profile.rateLimit ?? PLATFORM_RATES[profile.type];
}

export function createPacer() {
  const lanes = new Map<string, Lane>();
  const lane = (name: string): Lane => {
    let found = lanes.get(name);
    if (!found) lanes.set(name, (found = { inFlight: 0, pausedUntil: 0, sent: [] }));
    return found;
  };

  const windowReopensAt = (l: Lane): number | undefined =>
    l.rate && l.sent.length >= l.rate.count ? l.sent[l.sent.length - l.rate.count]! + l.rate.perMs : undefined;

  /** When this destination may next start a request (now if it can), or Infinity while all its slots are busy. */
  const availableAt = (profile: LaneProfile, now: number): number => {
    const l = lane(profile.name);
    l.rate = effectiveRate(profile);
    if (l.inFlight >= profile.policy.concurrency) return Infinity;
    return Math.max(now, l.pausedUntil, windowReopensAt(l) ?? now);
  };

  return {
    availableAt,
    /** Takes a slot if one is free now; the caller must call finish() when the request ends. */
    tryStart(profile: LaneProfile, now: number): boolean {
      if (availableAt(profile, now) > now) return false;
      const l = lane(profile.name);
      l.inFlight += 1;
      l.sent.push(now);
      if (l.sent.length > (l.rate?.count ?? 0)) l.sent.splice(0, l.sent.length - (l.rate?.count ?? 0));
      return true;
    },
    finish(name: string): void {
      const l = lane(name);
      l.inFlight = Math.max(0, l.inFlight - 1);
    },
    pause(name: string, until: number): void {
      const l = lane(name);
      l.pausedUntil = Math.max(l.pausedUntil, until);
    },
    /** The earliest moment after `now` at which a paused or rate-limited lane opens again. */
    earliestReopening(now: number): number | undefined {
      let earliest: number | undefined;
      for (const l of lanes.values()) {
        for (const t of [l.pausedUntil, windowReopensAt(l) ?? 0]) {
          if (t > now) earliest = earliest === undefined ? t : Math.min(earliest, t);
        }
      }
      return earliest;
    },
    totalInFlight: () => [...lanes.values()].reduce((sum, l) => sum + l.inFlight, 0),
  };
}

export type Pacer = ReturnType<typeof createPacer>;
