// The deliveries page's filters, read from the URL so every view can be shared: the admin
// list's status, destination, event and cursor, plus a source and a time range (`since` and
// `until`: a duration back from now, "2h", or an ISO 8601 time). Empty form fields mean "any".

import { z } from "zod";
import { jsonIssueMessage } from "../config/issue-messages.ts";
import { DELIVERY_STATUSES } from "../core/types.ts";
import { DELIVERY_ID, firstDeliveryIdAt } from "../core/ids.ts";
import { filterInstant, parseDuration } from "../core/units.ts";
import { filterName, pageCursor } from "../ops/operations.ts";
import { issuesOf } from "../ingress/errors.ts";
import type { BrowseQuery } from "../outbox/types.ts";

export const PAGE_SIZE = 50;

export const blank = (v: unknown) => (v === "" ? undefined : v);
/** A name filter from a form field: empty is "any", else as the API takes it. */
export const filterText = z.preprocess(blank, filterName.optional());
const instant = z.preprocess(blank, z.string().max(64).optional());

const filters = z
  .object({
    status: z.preprocess(blank, z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional()),
    destination: filterText,
    event: filterText,
    source: filterText,
    since: instant,
    until: instant,
    cursor: z.preprocess(blank, pageCursor(DELIVERY_ID).optional()),
  })
  .strip();
export type DeliveryFilters = z.output<typeof filters>;

export type ParsedFilters = { ok: true; filters: DeliveryFilters; query: BrowseQuery } | { ok: false; filters: DeliveryFilters; problem: string };

/** A time bound: "2h" (that long before now) or an ISO 8601 time; a message naming the field when neither. */
function timeBound(field: string, value: string | undefined, now: number): { ms?: number; problem?: string } {
  if (value === undefined) return {};
  const span = parseDuration(value);
  if (span.ok) return { ms: filterInstant(now - span.value) };
  const ms = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(ms) ? { problem: `${field}: must be a duration back from now ("2h") or an ISO 8601 time ("2026-03-09T12:00Z"), not ${JSON.stringify(value)}` } : { ms: filterInstant(ms) };
}

export type ParsedView<F> = { ok: true; filters: F; since?: number; until?: number } | { ok: false; filters: Partial<F>; problem: string };

/** A list view's query: its schema, then `since` and `until` as instants; a message naming the field when one is bad. */
export function parseView<F extends { since?: string; until?: string }>(schema: z.ZodType<F>, input: Record<string, string>, now: number): ParsedView<F> {
  const parsed = schema.safeParse(input, { error: jsonIssueMessage });
  if (!parsed.success) {
    const issue = issuesOf(parsed.error, "query")[0];
    return { ok: false, filters: {}, problem: `${issue?.path}: ${issue?.message}` };
  }
  const f = parsed.data;
  const since = timeBound("since", f.since, now);
  const until = timeBound("until", f.until, now);
  const problem = since.problem ?? until.problem;
  return problem ? { ok: false, filters: f, problem } : { ok: true, filters: f, since: since.ms, until: until.ms };
}

export function parseFilters(input: Record<string, string>, now: number): ParsedFilters {
  const view = parseView(filters, input, now);
  if (!view.ok) return view;
  const { filters: f, since, until } = view;
  const untilId = until === undefined ? undefined : firstDeliveryIdAt(until);
  // The page's cursor and `until` are both upper bounds: the lower of the two applies.
  const before = f.cursor === undefined ? untilId : untilId === undefined || f.cursor < untilId ? f.cursor : untilId;
  return {
    ok: true,
    filters: f,
    query: { status: f.status, destination: f.destination, event: f.event, source: f.source, from: since === undefined ? undefined : firstDeliveryIdAt(since), before, limit: PAGE_SIZE + 1 },
  };
}

/** The URL of a list view with some filters changed (a page's cursor, say). */
export function viewUrl<F extends object>(base: string, f: F, change: Partial<F> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...f, ...change })) if (value !== undefined && value !== "") params.set(key, String(value));
  const query = params.toString();
  return `${base}${query ? `?${query}` : ""}`;
}

export const filtersUrl = (f: DeliveryFilters, change: Partial<DeliveryFilters> = {}) => viewUrl("/ui/deliveries", f, change);
