// The events page's filters, read from the URL like the deliveries page's: name, source, a
// time range (a duration back from now or an ISO 8601 time) and the cursor.

import { z } from "zod";
import { jsonIssueMessage } from "../config/issue-messages.ts";
import { issuesOf } from "../ingress/errors.ts";
import { timeBound, viewUrl } from "./deliveries-query.ts";
import type { EventQuery } from "./events-adapter.ts";

export const EVENTS_PAGE_SIZE = 50;

const blank = (v: unknown) => (v === "" ? undefined : v);
const text = z.preprocess(blank, z.string().max(256, "must be at most 256 characters").optional());

const filters = z
  .object({
    name: text,
    source: text,
    since: text,
    until: text,
    cursor: z.preprocess(blank, z.string().regex(/^evt_[0-9A-Z]{26}$/, "is not a cursor from a previous page").optional()),
  })
  .strip();
export type EventFilters = z.output<typeof filters>;

export function parseEventFilters(input: Record<string, string>, now: number): { ok: true; filters: EventFilters; query: EventQuery } | { ok: false; filters: EventFilters; problem: string } {
  const parsed = filters.safeParse(input, { error: jsonIssueMessage });
  if (!parsed.success) {
    const issue = issuesOf(parsed.error, "query")[0];
    return { ok: false, filters: {}, problem: `${issue?.path}: ${issue?.message}` };
  }
  const f = parsed.data;
  const since = timeBound("since", f.since, now);
  const until = timeBound("until", f.until, now);
  const problem = since.problem ?? until.problem;
  if (problem) return { ok: false, filters: f, problem };
  return { ok: true, filters: f, query: { name: f.name, source: f.source, since: since.ms, until: until.ms, before: f.cursor, limit: EVENTS_PAGE_SIZE + 1 } };
}

export const eventsUrl = (f: EventFilters, change: Partial<EventFilters> = {}) => viewUrl("/ui/events", f, change);
