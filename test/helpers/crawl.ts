// A Spider-style crawl's on_find events, published in batches, and reading back which pages a
// Discord message carried: shared by the digest tests and the 10,000-page proof in test/chaos.
import { expect } from "bun:test";
import type { Accepted } from "./fake-platforms.ts";
import type { Harness } from "./platform-run.ts";

export const page = (n: number) => `https://example.com/crawl/page-${String(n).padStart(5, "0")}`;

export const onFind = (n: number) => ({ event: "on_find", data: { crawl_id: "c1", url: page(n), status_code: 200, domain: "example.com", pathname: `/crawl/page-${n}` } });

export async function publishCrawl(h: Harness, pages: number) {
  for (let from = 0; from < pages; from += 1_000) {
    const events = Array.from({ length: Math.min(1_000, pages - from) }, (_, i) => onFind(from + i));
    expect((await h.post("/v1/events/batch", { events })).status).toBe(202);
  }
}

/** The pages a Discord message shows: an embed's own link, or the links listed in its description. */
export function pagesIn(payload: Accepted["payload"]): string[] {
  const embeds = payload.embeds as Array<{ url?: string; description?: string }>;
  return embeds.flatMap((embed) => (embed.description ? (embed.description.match(/https:\/\/\S+/g) ?? []) : embed.url ? [embed.url] : []));
}

export interface AttemptRow {
  deliveryId: string;
  n: number;
  statusCode: number | null;
  digestId: string | null;
}

/** Every attempt in the order it was recorded, on either backend. */
export const attemptRows = async (h: Harness) =>
  (await h.select('SELECT delivery_id AS "deliveryId", n, status_code AS "statusCode", digest_id AS "digestId" FROM attempts ORDER BY id')) as unknown as AttemptRow[];
