// Driving a delivery through the real pipeline (ingress, outbox, scheduler, sender) to a fake
// platform on the harness's manual clock: the fakes count time by the same clock, so a
// "2 second window" is exact and nothing sleeps.
import { expect } from "bun:test";
import { configFrom, LOOPBACK_SECURITY, routeEverythingTo, storageKey } from "./config.ts";
import type { Arrival, FakePlatform } from "./fake-platforms.ts";
import { createHarness } from "./harness.ts";

let platform: FakePlatform | undefined;

/** For afterEach: stops the fake the last setUp() started. */
export const stopPlatform = () => platform?.stop();

export type Harness = ReturnType<typeof createHarness>;

/** A fake platform on the harness's clock, and a harness with one destination "chat" routed every event. */
export function setUp<F extends FakePlatform>(start: (now: () => number) => F, type: string, url: (fake: F) => string, destinationExtra = "") {
  let h: Harness | undefined;
  const fake = start(() => h!.clock.now());
  platform = fake;
  h = createHarness((db) =>
    configFrom(`
[storage]
${storageKey(db)}
${LOOPBACK_SECURITY}
[[destinations]]
name = "chat"
type = "${type}"
url = "${url(fake)}"
${destinationExtra}
${routeEverythingTo("chat")}`),
  );
  return { h, fake };
}

/**
 * Ticks, moving the clock to each next wake-up, until `done` or the step budget runs out. `done`
 * may read rows: through h.select (deliveryRows does), one query per round and no process.
 */
export async function runUntil(h: Harness, done: () => boolean | Promise<boolean>, steps = 5_000) {
  for (let i = 0; i < steps && !(await done()); i++) {
    const result = await h.tickAndSettle();
    if (result.claimed === 0) h.clock.advance(Math.max(1, result.nextWakeAt - h.clock.now()));
  }
  expect(await done()).toBe(true);
}

export const publishBurst = (h: Harness, n: number) =>
  h.post("/v1/events/batch", { events: Array.from({ length: n }, (_, i) => ({ event: "completed", data: { task_id: `t${i}`, task_type: "scrape", status: "success" } })) });

/** The most requests the receiver saw inside any window of `perMs`. */
export function busiestWindow(arrivals: Arrival[], perMs: number): number {
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; i < times.length; i++) {
    while (times[i]! - times[j]! >= perMs) j++;
    best = Math.max(best, i - j + 1);
  }
  return best;
}

/** After each 429, nothing more was sent to that webhook until the wait it asked for was over. */
export function respectedEveryWait(arrivals: Arrival[]): boolean {
  return arrivals.every((limited) => limited.status !== 429 || !arrivals.some((a) => a.at > limited.at && a.at < limited.at + limited.retryAfterMs!));
}

export interface DeliveryRow {
  status: string;
  attempts: number;
  failed_attempts: number;
  last_error: string | null;
}

/** Every delivery in the order it was made, on either backend. */
export const deliveryRows = async (h: Harness) => (await h.select("SELECT status, attempts, failed_attempts, last_error FROM deliveries ORDER BY id")) as unknown as DeliveryRow[];
