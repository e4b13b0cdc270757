// The events page's filters, read from the URL like the deliveries page's: name, source, a
// time range (a duration back from now or an ISO 8601 time) and the cursor.

import { z } from "zod";
import { EVENT_ID } from "../core/ids.ts";
import { pageCursor } from "../ops/operations.ts";
import { blank, filterText, parseView, viewUrl } from "./deliveries-query.ts";
import type { EventQuery } from "../outbox/types.ts";

export const EVENTS_PAGE_SIZE = 50;

const instant = z.preprocess(blank, z.string().max(64, "must be at most 64 characters").optional());

const filters = z
  .object({
    name: filterText,
    source: filterText,
    since: instant,
    until: instant,
    cursor: z.preprocess(blank, pageCursor(EVENT_ID).optional()),
  })
  .strip();
export type EventFilters = z.output<typeof filters>;

export function parseEventFilters(input: Record<string, string>, now: number): { ok: true; filters: EventFilters; query: EventQuery } | { ok: false; filters: Partial<EventFilters>; problem: string } {
  const view = parseView(filters, input, now);
  if (!view.ok) return view;
  const { filters: f, since, until } = view;
  return { ok: true, filters: f, query: { name: f.name, source: f.source, since, until, before: f.cursor, limit: EVENTS_PAGE_SIZE + 1 } };
}

export const eventsUrl = (f: EventFilters, change: Partial<EventFilters> = {}) => viewUrl("/ui/events", f, change);
