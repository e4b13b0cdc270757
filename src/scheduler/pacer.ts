// Per-destination admission: concurrency slots, a sliding-window rate limit, and pauses asked
// for by the platform (Discord's empty bucket, a 429's retry_after). In memory: it describes
// this process's own traffic, and a restart begins with empty windows.
//
// The rate window counts a request from its start until its answer arrives: the receiver saw
// it somewhere in between, so a request only leaves the window `perMs` after it ended. That
// keeps the receiver's own count under the limit whatever the network latency, at the cost of
// a little throughput when answers are slow.

import type { DeliveryPolicy, DestinationType } from "../core/types.ts";
import type { Rate } from "../core/units.ts";
import { platformOf } from "../platforms/registry.ts";

/** What the pacer needs to know of a destination. */
export interface LaneProfile {
  name: string;
  type: DestinationType;
  rateLimit?: Rate;
  policy: Pick<DeliveryPolicy, "concurrency">;
}

/** One request in a lane's window; `endedAt` is unset while it is in flight. */
interface Sent {
  startedAt: number;
  endedAt?: number;
}

interface Lane {
  inFlight: number;
  pausedUntil: number;
  rates: Rate[];
  sent: Sent[];
}

/** The windows a destination is paced by: its own rate_limit, else its platform's defaults (src/platforms/). */
export function effectiveRates(profile: LaneProfile): Rate[] {
  return profile.rateLimit ? [profile.rateLimit] : platformOf(profile.type).pacing;
}

export function createPacer() {
  const lanes = new Map<string, Lane>();
  const lane = (name: string): Lane => {
    let found = lanes.get(name);
    if (!found) lanes.set(name, (found = { inFlight: 0, pausedUntil: 0, rates: [], sent: [] }));
    return found;
  };

  /** When every window has room for one more request: now, a later moment, or Infinity until an answer arrives. */
  const windowOpensAt = (l: Lane, now: number): number => {
    if (l.rates.length === 0) return now;
    // Drop requests that left the longest window; they can never count again.
    const longest = Math.max(...l.rates.map((rate) => rate.perMs));
    l.sent = l.sent.filter((s) => s.endedAt === undefined || s.endedAt + longest > now);
    let opensAt = now;
    for (const { count, perMs } of l.rates) {
      const inWindow = l.sent.filter((s) => s.endedAt === undefined || s.endedAt + perMs > now);
      if (inWindow.length < count) continue;
      const leaving = inWindow.map((s) => (s.endedAt === undefined ? Infinity : s.endedAt + perMs)).sort((a, b) => a - b);
      opensAt = Math.max(opensAt, leaving[inWindow.length - count]!);
    }
    return opensAt;
  };

  /** When this destination may next start a request (now if it can), or Infinity while all its slots are busy. */
  const availableAt = (profile: LaneProfile, now: number): number => {
    const l = lane(profile.name);
    l.rates = effectiveRates(profile);
    if (l.inFlight >= profile.policy.concurrency) return Infinity;
    return Math.max(now, l.pausedUntil, windowOpensAt(l, now));
  };

  /**
   * How many requests this destination could start now, one after another: its free slots,
   * capped by the room left in each rate window (0 while paused or full). The scheduler asks
   * before a claim and takes no more rows than this, so storage never calls back mid-claim.
   */
  const room = (profile: LaneProfile, now: number): number => {
    if (availableAt(profile, now) > now) return 0;
    const l = lane(profile.name);
    let free = profile.policy.concurrency - l.inFlight;
    for (const { count, perMs } of l.rates) {
      free = Math.min(free, count - l.sent.filter((s) => s.endedAt === undefined || s.endedAt + perMs > now).length);
    }
    return Math.max(0, free);
  };

  const openEntry = (l: Lane, startedAt: number): Sent | undefined => {
    const index = l.sent.findIndex((s) => s.startedAt === startedAt && s.endedAt === undefined);
    return index >= 0 ? l.sent[index] : undefined;
  };

  return {
    availableAt,
    room,
    /** Takes a slot if one is free now; the caller must call finish() or abandon() with the same `now`. */
    tryStart(profile: LaneProfile, now: number): boolean {
      if (availableAt(profile, now) > now) return false;
      const l = lane(profile.name);
      l.inFlight += 1;
      if (l.rates.length > 0) l.sent.push({ startedAt: now });
      return true;
    },
    /** The request that started at `startedAt` got its answer (or gave up) at `endedAt`. */
    finish(name: string, startedAt: number, endedAt: number): void {
      const l = lane(name);
      l.inFlight = Math.max(0, l.inFlight - 1);
      const entry = openEntry(l, startedAt);
      if (entry) entry.endedAt = endedAt;
    },
    /** The slot taken at `startedAt` was never used: no request went out. */
    abandon(name: string, startedAt: number): void {
      const l = lane(name);
      l.inFlight = Math.max(0, l.inFlight - 1);
      const entry = openEntry(l, startedAt);
      if (entry) l.sent.splice(l.sent.indexOf(entry), 1);
    },
    pause(name: string, until: number): void {
      const l = lane(name);
      l.pausedUntil = Math.max(l.pausedUntil, until);
    },
    /** The earliest moment after `now` at which a paused or rate-limited lane opens again. */
    earliestReopening(now: number): number | undefined {
      let earliest: number | undefined;
      for (const l of lanes.values()) {
        for (const t of [l.pausedUntil, windowOpensAt(l, now)]) {
          if (t > now && Number.isFinite(t)) earliest = earliest === undefined ? t : Math.min(earliest, t);
        }
      }
      return earliest;
    },
    totalInFlight: () => [...lanes.values()].reduce((sum, l) => sum + l.inFlight, 0),
    /** Every lane seen so far, by name. */
    lanes: () => [...lanes.keys()],
  };
}

export type Pacer = ReturnType<typeof createPacer>;
