// The proof for digests (issue 27): a 10,000-page crawl's on_find events reach a Discord fake
// that enforces Discord's limits in minutes of simulated time, where one message per event at
// 30 a minute would take 5.5 hours. A manual clock: about 6 s of real time.
import { afterEach, expect, test } from "bun:test";
import { startFakeDiscord } from "../helpers/fake-platforms.ts";
import { attemptRows, page, pagesIn, publishCrawl } from "../helpers/crawl.ts";
import { deliveryRows, runUntil, setUp, stopPlatform } from "../helpers/platform-run.ts";

afterEach(() => stopPlatform());

test("a 10,000-page on_find crawl arrives in minutes, not hours: zero 429s, every page once, in order", async () => {
  const { h, fake } = setUp((now) => startFakeDiscord({ now }), "discord", (f) => f.webhook("2001", "tok"));
  await publishCrawl(h, 10_000);
  const started = h.clock.now();
  await runUntil(h, async () => (await deliveryRows(h)).every((row) => row.status === "succeeded"), 2_000);
  const minutes = (h.clock.now() - started) / 60_000;
  console.log(`10,000 on_find events: ${fake.accepted.length} Discord messages in ${minutes.toFixed(1)} simulated minutes (one per event at 30 a minute: 333 minutes)`);
  expect(fake.rateLimited).toBe(0);
  expect(fake.rejected).toEqual([]);
  expect(fake.accepted.flatMap((message) => pagesIn(message.payload))).toEqual(Array.from({ length: 10_000 }, (_, i) => page(i)));
  expect(minutes).toBeLessThan(15);
  // Each delivery was settled on its own, by one attempt that names the message it went in.
  const attempts = await attemptRows(h);
  expect(attempts.length).toBe(10_000);
  expect(attempts.every((a) => a.n === 1 && a.statusCode === 200 && a.digestId?.startsWith("dgs_"))).toBe(true);
  expect(new Set(attempts.map((a) => a.digestId)).size).toBe(fake.accepted.length);
}, 120_000);
