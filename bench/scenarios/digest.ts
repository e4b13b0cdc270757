// Digest: a crawl's on_find events to one Discord webhook, in real time, through the real
// daemon (the compiled binary), to the test suite's Discord fake running in this process with
// Discord's limits (5 requests per 2 s, 30 a minute, embed limits, real 429s). One message per
// event would take `pages / 30` minutes; the row reports how long Herald's digests take, from
// the first publish to the last page arriving, and checks that every page came once, in order.
import { startFakeDiscord } from "../../test/helpers/fake-platforms.ts";
import { pagesIn } from "../../test/helpers/crawl.ts";
import { startHerald } from "../lib/procs.ts";

const page = (n: number) => `https://example.com/crawl/page-${String(n).padStart(5, "0")}`;

export async function digest(options: { pages: number; timeoutMs?: number }) {
  const fake = startFakeDiscord();
  const url = fake.webhook("3001", "bench-token");
  const herald = await startHerald({ toml: `[[destinations]]\nname = "crawl"\ntype = "discord"\nurl = "${url}"\n[[routes]]\nname = "all"\nevents = ["*"]\nto = ["crawl"]\n` });
  const started = performance.now();
  try {
    for (let from = 0; from < options.pages; from += 1_000) {
      const events = Array.from({ length: Math.min(1_000, options.pages - from) }, (_, i) => ({ event: "on_find", data: { crawl_id: "bench", url: page(from + i), status_code: 200, domain: "example.com" } }));
      const response = await fetch(`${herald.url}/v1/events/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ events }) });
      if (response.status !== 202) throw new Error(`digest: publish answered ${response.status} ${await response.text()}`);
    }
    const deadline = started + (options.timeoutMs ?? 15 * 60_000);
    let arrived = 0;
    while ((arrived = fake.accepted.reduce((sum, message) => sum + pagesIn(message.payload).length, 0)) < options.pages) {
      if (performance.now() > deadline) throw new Error(`digest: ${arrived} of ${options.pages} pages arrived in time`);
      await Bun.sleep(100);
    }
    const seconds = (performance.now() - started) / 1000;
    const pages = fake.accepted.flatMap((message) => pagesIn(message.payload));
    const inOrder = pages.length === options.pages && pages.every((p, i) => p === page(i));
    return { pages: options.pages, seconds, messages: fake.accepted.length, rateLimited: fake.rateLimited, rejected: fake.rejected.length, inOrder };
  } finally {
    await herald.stop();
    fake.stop();
  }
}

if (import.meta.main) console.log(await digest({ pages: Number(process.env.DIGEST_PAGES ?? 10_000) }));
