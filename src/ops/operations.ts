// What an operator can ask of Herald, independent of how they ask (admin API or CLI): the
// request shapes (zod, so both report bad input the same way, naming the field) and the
// actions over the OperatorStore.

import { z } from "zod";
import type { OutboxConfig } from "../config/outbox-config.ts";
import { DELIVERY_ID } from "../core/ids.ts";
import { STORABLE_TEXT, STORABLE_TEXT_RULE } from "../core/stored-text.ts";
import { DELIVERY_STATUSES } from "../core/types.ts";
import { filterInstant, parseDuration } from "../core/units.ts";
import type { CancelManyResult, OperatorStore, RetryResult } from "../outbox/types.ts";
import { deliveryJson } from "./views.ts";

export const MAX_PAGE = 500;
export const RETRYABLE_STATUSES = ["failed", "expired", "cancelled"] as const;

const duration = z.string().transform((text, ctx) => {
  const parsed = parseDuration(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  }
  return parsed.value;
});

/**
 * A name a filter matches exactly (event, source, destination). What cannot be stored as
 * written (NUL above all, which PostgreSQL refuses in text) is no name Herald has, so it is
 * refused here.
 */
export const filterName = z.string().min(1, "must not be empty").max(256, "must be at most 256 characters").regex(STORABLE_TEXT, STORABLE_TEXT_RULE);
const name = filterName;

/** A page cursor: the id (of Herald's shape, `DELIVERY_ID` or `EVENT_ID`) the previous page ended on. */
export const pageCursor = (shape: RegExp) => z.string().regex(shape, "is not a cursor from a previous page");

/** The `limit` query parameter of the listings: a page of 1 to MAX_PAGE rows, 50 by default. */
export const pageLimit = z
  .string()
  .regex(/^\d+$/, "must be a whole number")
  .transform(Number)
  .pipe(z.number().min(1, "must be at least 1").max(MAX_PAGE, `must be at most ${MAX_PAGE}`))
  .default(50)
  // A query parameter is a string on the wire: the document states the bounds the pipe enforces.
  .meta({ description: `rows per page: a whole number from 1 to ${MAX_PAGE}, 50 by default`, pattern: "^\\d+$", examples: ["50"] });

export const listRequest = z
  .object({
    status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(", ")}` }).optional(),
    destination: name.optional(),
    event: name.optional(),
    limit: pageLimit,
    cursor: pageCursor(DELIVERY_ID).optional(),
  })
  .strict();
export type ListRequest = z.output<typeof listRequest>;

export const bulkRetryRequest = z
  .object({
    status: z.enum(RETRYABLE_STATUSES, { error: `must be one of ${RETRYABLE_STATUSES.join(", ")}` }),
    since: duration.optional(),
    destination: name.optional(),
  })
  .strict();
export type BulkRetryRequest = z.output<typeof bulkRetryRequest>;

/** Only a pending delivery can be cancelled; one in flight is left to finish its attempt. */
export const bulkCancelRequest = z
  .object({
    status: z.enum(["pending"], { error: "must be pending" }),
    destination: name.optional(),
  })
  .strict();
export type BulkCancelRequest = z.output<typeof bulkCancelRequest>;

/**
 * Why a destination filter cannot match, or undefined when it can: a name the config does not
 * have would match nothing, silently, so it is refused with the names it does have. Inline
 * webhooks' names ("inline:<host>#<hash>") come from producers, not the config, and pass as given.
 */
export function unknownDestination(config: Pick<OutboxConfig, "destinations">, destination: string | undefined): string | undefined {
  if (destination === undefined || destination.startsWith("inline:") || config.destinations.has(destination)) return undefined;
  return notConfigured(destination, config.destinations.keys());
}

/** The one wording for a destination name the config lacks (`herald test` uses it too). */
export function notConfigured(destination: string, configured: Iterable<string>): string {
  const known = [...configured];
  return `unknown destination "${destination}"; the config has ${known.length ? known.map((n) => `"${n}"`).join(", ") : "none"}`;
}

/** Newest first; `next_cursor` is set when there may be more. */
export async function listDeliveries(store: OperatorStore, request: ListRequest) {
  const rows = await store.listDeliveries({ status: request.status, destination: request.destination, event: request.event, before: request.cursor, limit: request.limit + 1 });
  const page = rows.slice(0, request.limit);
  return { deliveries: page.map(deliveryJson), next_cursor: rows.length > request.limit ? page.at(-1)!.id : null };
}

/** A retried delivery gets a whole max_age again, from now. */
export function freshExpiry(config: OutboxConfig, now: number) {
  return (destination: string) => now + (config.destinations.get(destination)?.policy.maxAgeMs ?? config.defaults.maxAgeMs);
}

export function retryByIds(store: OperatorStore, config: OutboxConfig, ids: string[], now: number): Promise<RetryResult> {
  return store.retry({ ids }, now, freshExpiry(config, now));
}

export function retryMatching(store: OperatorStore, config: OutboxConfig, request: BulkRetryRequest, now: number): Promise<RetryResult> {
  return store.retry(
    { statuses: [request.status], finishedSince: request.since === undefined ? undefined : filterInstant(now - request.since), destination: request.destination },
    now,
    freshExpiry(config, now),
  );
}

export function cancelByIds(store: OperatorStore, ids: string[], now: number): Promise<CancelManyResult> {
  return store.cancelMany({ ids }, now);
}

export function cancelMatching(store: OperatorStore, request: BulkCancelRequest, now: number): Promise<CancelManyResult> {
  return store.cancelMany({ destination: request.destination }, now);
}
