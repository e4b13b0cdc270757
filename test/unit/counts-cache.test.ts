// The overview's counts cache: one count per 5 s however many pages ask, and a page never waits
// long for a count under way (it shows the last figures, or none yet).
import { expect, test } from "bun:test";
import { createCountsCache } from "../../src/dashboard/counts-cache.ts";
import type { OverviewCounts } from "../../src/outbox/types.ts";
import { manualClock } from "../helpers/clock.ts";

const figures = (pending: number): OverviewCounts => ({ pending, inFlight: 0, failedSince: 0, expiredSince: 0 });

function controlledReads() {
  const reads: Array<{ since: number; resolve: (c: OverviewCounts) => void; reject: (e: Error) => void }> = [];
  const read = (since: number) => new Promise<OverviewCounts>((resolve, reject) => reads.push({ since, resolve, reject }));
  return { reads, read };
}

test("a slow count does not hold the page; the next page shows it; at most one count per 5 s", async () => {
  const clock = manualClock();
  const { reads, read } = controlledReads();
  const cache = createCountsCache(clock, read);
  expect(await cache.read()).toEqual({});
  expect(reads.map((r) => r.since)).toEqual([clock.now() - 86_400_000]);
  reads[0]!.resolve(figures(7));
  expect(await cache.read()).toEqual({ counts: figures(7), countedAt: clock.now() });
  expect(reads).toHaveLength(1);

  clock.advance(5_000);
  const stale = await cache.read();
  expect(reads).toHaveLength(2);
  expect(stale).toEqual({ counts: figures(7), countedAt: clock.now() - 5_000 });
  reads[1]!.resolve(figures(9));
  expect(await cache.read()).toEqual({ counts: figures(9), countedAt: clock.now() });
});

test("a failed count is not kept: the next page counts again", async () => {
  const clock = manualClock();
  const { reads, read } = controlledReads();
  const cache = createCountsCache(clock, read);
  const first = cache.read();
  reads[0]!.reject(new Error("the background thread stopped"));
  expect(await first).toEqual({});
  const second = cache.read();
  expect(reads).toHaveLength(2);
  reads[1]!.resolve(figures(1));
  expect((await second).counts).toEqual(figures(1));
});
