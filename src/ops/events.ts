// Stored events as an operator asks for them (admin API and CLI alike): the request shapes of
// listing and replaying, and the actions. Which destinations a replay goes to is decided here,
// from the config as it is now: the routes applied to the stored event, or the names given,
// so a destination added after the event arrived can receive it.

import { z } from "zod";
import type { OutboxConfig } from "../config/outbox-config.ts";
import { destinationsFor } from "../core/routing.ts";
import { filterInstant, parseDuration } from "../core/units.ts";
import type { EventQuery, EventRecord, OperatorStore } from "../outbox/types.ts";
import { EVENT_ID } from "../core/ids.ts";
import { filterName, freshExpiry, notConfigured, pageCursor, pageLimit } from "./operations.ts";
import { eventJson } from "./views.ts";

/** At most this many events are replayed by one bulk call; its next_cursor continues. */
export const MAX_BULK_REPLAY = 1000;

/** An instant as an operator writes it: RFC 3339, or a duration meaning that long ago. */
export type Instant = { at: number } | { ago: number };

/** The fields that select what a bulk replay sends; it needs at least one. */
const BULK_REPLAY_FILTERS = ["name", "source", "since", "until"] as const;

const INSTANT_FORMAT = 'an RFC 3339 time ("2026-03-09T12:00:00Z") or a duration meaning that long ago ("2h")';

const instant = z
  .string()
  .transform((text, ctx): Instant => {
    if (/^\d+(\.\d+)?(ms|s|m|h|d)$/.test(text)) {
      const parsed = parseDuration(text);
      if (parsed.ok) return { ago: parsed.value };
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i.test(text) && !Number.isNaN(Date.parse(text))) return { at: Date.parse(text) };
    ctx.addIssue({ code: "custom", message: `"${text.slice(0, 64)}" is not an RFC 3339 time (2026-03-09T12:00:00Z) or a duration ago (2h)` });
    return z.NEVER;
  });

const name = filterName;
const cursor = pageCursor(EVENT_ID);

const filters = {
  name: name.optional().meta({ description: "exact event name" }),
  source: name.optional().meta({ description: "the [[sources]] entry the events came through" }),
  since: instant.optional().meta({ description: `received at or after: ${INSTANT_FORMAT}` }),
  until: instant.optional().meta({ description: `received before: ${INSTANT_FORMAT}` }),
  cursor: cursor.optional().meta({ description: "next_cursor of the previous page" }),
};


export const eventListRequest = z
  .object({
    ...filters,
    limit: pageLimit,
  })
  .strict();
export type EventListRequest = z.output<typeof eventListRequest>;

const destinationList = z.array(name).min(1, "must name at least one destination; leave it out for all matching ones").max(100);

export const replayRequest = z
  .object({
    destinations: destinationList.optional().meta({ description: "configured destination names; all that the current routes match when absent" }),
  })
  .strict();
export type ReplayRequest = z.output<typeof replayRequest>;

export const bulkReplayRequest = z
  .object({
    ...filters,
    limit: z.number().int("must be a whole number").min(1, "must be at least 1").max(MAX_BULK_REPLAY, `must be at most ${MAX_BULK_REPLAY}`).default(100),
    destinations: destinationList.optional(),
  })
  .strict()
  // Replaying everything stored is never what a filterless call meant: the CLI refuses it too.
  .refine((request) => BULK_REPLAY_FILTERS.some((key) => request[key] !== undefined), {
    message: `needs a filter: at least one of ${BULK_REPLAY_FILTERS.join(", ")}`,
  });
export type BulkReplayRequest = z.output<typeof bulkReplayRequest>;

const toMs = (value: Instant | undefined, now: number) => (value === undefined ? undefined : filterInstant("at" in value ? value.at : now - value.ago));

function queryOf(request: Omit<EventListRequest, "limit">, limit: number, now: number): EventQuery {
  return { name: request.name, source: request.source, since: toMs(request.since, now), until: toMs(request.until, now), before: request.cursor, limit };
}

/** Newest first; `next_cursor` is set when there may be more. */
export async function listEvents(store: OperatorStore, request: EventListRequest, now: number) {
  const rows = await store.listEvents(queryOf(request, request.limit + 1, now));
  const page = rows.slice(0, request.limit);
  return { events: page.map(eventJson), next_cursor: rows.length > request.limit ? page.at(-1)!.id : null };
}

/** Each named destination that cannot take a replay, as `destinations[i]` issues; empty when all can. */
export function replayProblems(config: Pick<OutboxConfig, "destinations">, destinations: string[] | undefined): Array<{ path: string; message: string }> {
  return (destinations ?? []).flatMap((destination, i) => {
    const path = `destinations[${i}]`;
    // An inline webhook's URL and secret live on its delivery, not in the config: that
    // delivery is what can be sent again (retry), with the target the producer gave.
    if (destination.startsWith("inline:")) return [{ path, message: `"${destination}" is a producer's inline webhook; retry its delivery instead (POST /v1/deliveries/{id}/retry, herald retry ID)` }];
    if (!config.destinations.has(destination)) return [{ path, message: notConfigured(destination, config.destinations.keys()) }];
    return [];
  });
}

/** The destinations a replay of this event goes to: those named, else what the routes match now. */
function targetsOf(config: OutboxConfig, event: EventRecord, named: string[] | undefined, now: number) {
  const expiry = freshExpiry(config, now);
  const chosen = named ?? destinationsFor(config.routes, { event: event.event, timestamp: event.timestamp, data: event.data }, event.source).filter((d) => config.destinations.has(d));
  return [...new Set(chosen)].map((destination) => ({ destination, expiresAt: expiry(destination) }));
}

/** Undefined when there is no such event. Names must have passed replayProblems. */
export async function replayOne(store: Pick<OperatorStore, "getEvent" | "replayEvent">, config: OutboxConfig, id: string, named: string[] | undefined, now: number) {
  const event = await store.getEvent(id);
  if (!event) return undefined;
  const replayed = await store.replayEvent(id, targetsOf(config, event, named, now), now);
  return replayed && { id, deliveries: replayed.deliveries };
}

/** At most `limit` events by filter, newest first; next_cursor continues where this call stopped. */
export async function replayMatching(store: OperatorStore, config: OutboxConfig, request: BulkReplayRequest, now: number) {
  const rows = await store.listEvents(queryOf(request, request.limit + 1, now));
  const page = rows.slice(0, request.limit);
  const events: Array<{ id: string; deliveries: Array<{ id: string; destination: string }> }> = [];
  for (const event of page) {
    const replayed = await store.replayEvent(event.id, targetsOf(config, event, request.destinations, now), now);
    // An event pruned between the listing and its replay has nothing left to send.
    if (replayed) events.push({ id: event.id, deliveries: replayed.deliveries });
  }
  const count = events.reduce((n, e) => n + e.deliveries.length, 0);
  return { events, count, next_cursor: rows.length > request.limit ? page.at(-1)!.id : null };
}
