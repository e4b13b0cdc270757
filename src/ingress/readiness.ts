// What /readyz checks: the database takes writes, and the scheduler loop has started a tick
// recently. Either failing makes /readyz answer 503 with the reason.

import type { Clock } from "../core/clock.ts";
import { errorMessage } from "../core/errors.ts";

/** /readyz turns 503 when the loop has not started a tick for this long. */
export const LOOP_STALE_MS = 5_000;

export interface ReadinessDeps {
  clock: Clock;
  /** Throws when the database cannot take a write. */
  probeWritable: () => void;
  lastTickAt: () => number | undefined;
}

/** Why Herald is not ready, or undefined when it is. */
export function createReadiness({ clock, probeWritable, lastTickAt }: ReadinessDeps): () => string | undefined {
  return () => {
    try {
      probeWritable();
    } catch (error) {
      return `database not writable: ${errorMessage(error)}`;
    }
    const last = lastTickAt();
    if (last === undefined || clock.now() - last > LOOP_STALE_MS) {
      return `the scheduler loop has not run in the last ${LOOP_STALE_MS / 1000} seconds`;
    }
    return undefined;
  };
}
