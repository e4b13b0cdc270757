// The overview's counts, read at most once every few seconds: each read visits every pending row
// (on the background thread), and a page that refreshes itself every 5 s, in several tabs, must
// not turn into a count per request. A page waits for a count only briefly: with 1,000,000 rows
// one takes 200 to 450 ms (measured), so the page shows the last figures (or none yet) and its
// next refresh brings the new ones. A failed read is not kept, so the next page tries again.

import type { Clock } from "../core/clock.ts";
import type { OverviewCounts } from "../outbox/types.ts";

export const COUNTS_TTL_MS = 5_000;
/** The overview's "in the last 24 h". */
export const COUNTS_WINDOW_MS = 24 * 60 * 60 * 1000;
/** How long a page waits for a count under way before it shows the last one. */
export const COUNTS_WAIT_MS = 100;

export interface CountsReading {
  /** Undefined until the first count has finished. */
  counts?: OverviewCounts;
  countedAt?: number;
}

export function createCountsCache(clock: Clock, read: (since: number) => Promise<OverviewCounts>) {
  let running: { at: number; counts: Promise<OverviewCounts> } | undefined;
  let settled: Required<CountsReading> | undefined;
  const start = (now: number) => {
    const current = { at: now, counts: read(now - COUNTS_WINDOW_MS) };
    running = current;
    current.counts.then(
      (counts) => {
        if (!settled || settled.countedAt < current.at) settled = { counts, countedAt: current.at };
      },
      () => {
        if (running === current) running = undefined;
      },
    );
    return current;
  };
  return {
    async read(): Promise<CountsReading> {
      const now = clock.now();
      const current = !running || now - running.at >= COUNTS_TTL_MS ? start(now) : running;
      let wake = () => {};
      const waited = new Promise<undefined>((resolve) => (wake = () => resolve(undefined)));
      const timer = setTimeout(wake, COUNTS_WAIT_MS);
      try {
        const counts = await Promise.race([current.counts, waited]);
        return counts ? { counts, countedAt: current.at } : (settled ?? {});
      } catch {
        return settled ?? {};
      } finally {
        clearTimeout(timer);
      }
    },
  };
}
