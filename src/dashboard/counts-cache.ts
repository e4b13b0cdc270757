// The overview's counts, read at most once every few seconds: each read visits every pending row
// (on the background thread), and a page that refreshes itself every 5 s, in several tabs, must
// not turn into a count per request. A failed read is not kept, so the next page tries again.

import type { Clock } from "../core/clock.ts";
import type { OverviewCounts } from "../outbox/types.ts";

export const COUNTS_TTL_MS = 5_000;
/** The overview's "in the last 24 h". */
export const COUNTS_WINDOW_MS = 24 * 60 * 60 * 1000;

export function createCountsCache(clock: Clock, read: (since: number) => Promise<OverviewCounts>) {
  let last: { at: number; counts: Promise<OverviewCounts> } | undefined;
  return {
    async read(): Promise<{ counts: OverviewCounts; countedAt: number }> {
      const now = clock.now();
      if (!last || now - last.at >= COUNTS_TTL_MS) {
        const current = { at: now, counts: read(now - COUNTS_WINDOW_MS) };
        last = current;
        current.counts.catch(() => {
          if (last === current) last = undefined;
        });
      }
      const { at, counts } = last;
      return { counts: await counts, countedAt: at };
    },
  };
}
