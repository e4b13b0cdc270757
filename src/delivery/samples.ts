// Sample events for `herald test`: what a producer of each kind would send, so a test message
// looks exactly like the real ones will (the seed documents' own example values).

import type { EventEnvelope } from "../core/types.ts";

const CRAWL_ID = "d4e5f6a7-b8c9-0d1e-2f3a-4b5c6d7e8f9a";

const SAMPLE_DATA: Record<string, Record<string, unknown>> = {
  started: { task_id: "test_123", task_type: "scrape", url: "https://example.com", status: "running" },
  completed: { task_id: "test_123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5 },
  failed: { task_id: "test_123", task_type: "scrape", url: "https://example.com", status: "failed", credits_used: 1, error: "Navigation timeout after 30000 ms" },
  on_find: { crawl_id: CRAWL_ID, url: "https://example.com/page", status_code: 200, domain: "example.com", pathname: "/page" },
  on_find_metadata: { crawl_id: CRAWL_ID, url: "https://example.com/page", status_code: 200, domain: "example.com" },
  on_website_status: { crawl_id: CRAWL_ID, url: "https://example.com", mode: "complete", domain: "example.com", links: 42, crawl_duration: 15230 },
  on_credits_depleted: { credits: 0 },
  on_credits_half_depleted: { credits: 2500 },
};

/** A sample of `event` (any name: unknown ones get a generic body), stamped with `now`. */
export function sampleEvent(event: string, now: number): EventEnvelope {
  const data = SAMPLE_DATA[event] ?? { message: "Test event from herald", source: "herald test" };
  return { event, timestamp: new Date(now).toISOString(), data: { ...data } };
}
