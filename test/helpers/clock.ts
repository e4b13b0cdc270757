// A clock tests move by hand.
import type { Clock } from "../../src/core/clock.ts";

export interface ManualClock extends Clock {
  advance(ms: number): void;
}

export function manualClock(start = Date.UTC(2026, 2, 9, 12, 0, 0)): ManualClock {
  let now = start;
  return {
    now: () => now,
    advance: (ms) => {
      now += ms;
    },
  };
}
