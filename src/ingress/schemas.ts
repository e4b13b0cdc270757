// Request bodies of the publish API, validated by zod. Unknown keys are rejected so a typo
// ("evnet") is a 400 that names it, not a silently dropped field.

import { z } from "zod";
import { OPERATIONAL_PREFIX } from "../core/routing.ts";
import { DESTINATION_TYPES } from "../core/types.ts";
import { SOURCE_KEY_PREFIX } from "./source-event.ts";

/** Event names travel in the X-Herald-Event header: visible ASCII only, so nothing can be injected. */
export const eventName = z
  .string({ error: "must be a string" })
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[\x21-\x7e]+$/, "may hold only visible ASCII characters (no spaces or line breaks)");

/** The Spider seed subscribes with boolean flags instead of an `events` list. */
export const SPIDER_FLAGS = ["on_find", "on_find_metadata", "on_website_status", "on_credits_depleted", "on_credits_half_depleted"] as const;

const webhook = z
  .strictObject({
    url: z.string({ error: "must be a string" }).min(1).max(2048),
    type: z.enum(DESTINATION_TYPES).optional(),
    events: z.array(eventName).max(100).optional(),
    secret: z.string().min(1).max(512).optional(),
    ...Object.fromEntries(SPIDER_FLAGS.map((flag) => [flag, z.boolean().optional()])),
  })
  .transform((value) => {
    const flags = SPIDER_FLAGS.filter((flag) => (value as Record<string, unknown>)[flag] === true);
    return { url: value.url, type: value.type, secret: value.secret, events: [...new Set([...(value.events ?? []), ...flags])] };
  })
  .refine((value) => value.events.length > 0, { message: "subscribes to no event: give `events` (e.g. [\"completed\", \"failed\"])", path: ["events"] });

const timestamp = z
  .string({ error: "must be an ISO 8601 string" })
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, "must be an ISO 8601 date-time, e.g. 2026-03-09T12:00:00Z")
  .refine((text) => !Number.isNaN(Date.parse(text)), "is not a valid date")
  .transform((text) => new Date(text).toISOString());

export const publishBody = z.strictObject({
  // Producers may not forge Herald's own operational events.
  event: eventName.refine((name) => !name.startsWith(OPERATIONAL_PREFIX), `names starting with "${OPERATIONAL_PREFIX}" are reserved for Herald's own events`),
  id: z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(200, "must be at most 200 characters")
    .refine((id) => !id.startsWith(SOURCE_KEY_PREFIX), `ids starting with "${SOURCE_KEY_PREFIX}" are reserved for events from [[sources]]`)
    .optional(),
  timestamp: timestamp.optional(),
  // Taken as parsed, not rebuilt: rebuilding key by key would turn a "__proto__" key into a
  // prototype and silently drop it (found by the fuzz tests). JSON.parse made it a plain object.
  data: z.custom<Record<string, unknown>>((value) => value !== null && typeof value === "object" && !Array.isArray(value), "must be a JSON object"),
  webhook: z.union([webhook, z.array(webhook).min(1).max(10, "at most 10 webhooks")]).optional(),
});

export const batchBody = z.strictObject({
  events: z.array(publishBody, { error: "must be a list of events" }).min(1, "must hold at least one event").max(1000, "at most 1000 events per batch"),
});

export type PublishBody = z.output<typeof publishBody>;
export type InlineWebhook = z.output<typeof webhook>;
