// Request bodies of the publish API, validated by zod. Unknown keys are rejected so a typo
// ("evnet") is a 400 that names it, not a silently dropped field.

import { z } from "zod";
import { OPERATIONAL_PREFIX } from "../core/routing.ts";
import { STANDARD_SECRET_RULE, standardSecretKey } from "../core/standard-secret.ts";
import { SIGNATURE_SCHEMES } from "../core/types.ts";
import { detectDestinationType, INLINE_TYPES } from "../platforms/registry.ts";
import { signatureHeaderField } from "../config/fields.ts";
import { SOURCE_KEY_PREFIX } from "./source-event.ts";
import { MAX_KEY_CHARS, STORABLE_TEXT, STORABLE_TEXT_RULE } from "../core/stored-text.ts";

/** Event names travel in the X-Herald-Event header: visible ASCII only, so nothing can be injected. */
export const eventName = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .min(1, "must not be empty")
  .max(128, "must be at most 128 characters")
  .regex(/^[\x21-\x7e]+$/, "may hold only visible ASCII characters (no spaces or line breaks)");

/** The Spider seed subscribes with boolean flags instead of an `events` list. */
export const SPIDER_FLAGS = ["on_find", "on_find_metadata", "on_website_status", "on_credits_depleted", "on_credits_half_depleted"] as const;

/** Inline URLs are kept with every delivery; longer ones are not webhook URLs in practice. */
export const MAX_INLINE_URL = 2048;

// Wrong types and sizes are worded by jsonIssueMessage (config/issue-messages.ts) from this
// schema, so the allowed values and limits are stated once, here and in core/types.ts.
const webhook = z
  .strictObject({
    url: z.string().min(1).max(MAX_INLINE_URL),
    type: z.enum(INLINE_TYPES).optional(),
    events: z.array(eventName).max(100).optional(),
    secret: z.string().min(1).max(512).optional(),
    // Default: sha256 in X-Herald-Signature when a secret is given, as for configured destinations.
    signature: z.enum(SIGNATURE_SCHEMES).optional(),
    signature_header: signatureHeaderField().optional(),
    ...Object.fromEntries(SPIDER_FLAGS.map((flag) => [flag, z.boolean().optional()])),
  })
  .superRefine((value, ctx) => {
    // A Telegram URL given inline would be detected as a type that needs config keys.
    const detected = value.type === undefined ? detectDestinationType(value.url) : undefined;
    if (detected && !INLINE_TYPES.includes(detected)) {
      ctx.addIssue({ code: "custom", path: ["url"], message: `is a ${detected} URL; ${detected} needs a configured destination (docs/platforms.md), not an inline webhook` });
    }
    const signature = value.signature ?? (value.secret ? "sha256" : "none");
    if (signature !== "none" && !value.secret) ctx.addIssue({ code: "custom", path: ["signature"], message: `"${signature}" needs a secret` });
    if (signature === "standard" && value.secret && !standardSecretKey(value.secret)) ctx.addIssue({ code: "custom", path: ["secret"], message: STANDARD_SECRET_RULE });
    if (value.signature_header && (signature === "standard" || signature === "none")) {
      ctx.addIssue({ code: "custom", path: ["signature_header"], message: `applies to the sha256 and timestamped signatures only, not "${signature}"` });
    }
  })
  .transform((value) => {
    const flags = SPIDER_FLAGS.filter((flag) => (value as Record<string, unknown>)[flag] === true);
    return {
      url: value.url,
      type: value.type,
      secret: value.secret,
      signature: value.signature,
      signatureHeader: value.signature_header,
      events: [...new Set([...(value.events ?? []), ...flags])],
    };
  })
  .refine((value) => value.events.length > 0, { message: "subscribes to no event: give `events` (e.g. [\"completed\", \"failed\"])", path: ["events"] });

const timestamp = z
  .string({ error: "must be an ISO 8601 string" })
  .regex(/^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/, "must be an ISO 8601 date-time, e.g. 2026-03-09T12:00:00Z")
  .refine((text) => !Number.isNaN(Date.parse(text)), "is not a valid date")
  .transform((text) => new Date(text).toISOString());

export const MAX_INLINE_WEBHOOKS = 10;

export const publishBody = z.strictObject({
  // Producers may not forge Herald's own operational events.
  event: eventName.refine((name) => !name.startsWith(OPERATIONAL_PREFIX), `names starting with "${OPERATIONAL_PREFIX}" are reserved for Herald's own events`),
  id: z
    .string({ error: "must be a string" })
    .min(1, "must not be empty")
    .max(MAX_KEY_CHARS, `must be at most ${MAX_KEY_CHARS} characters`)
    .regex(STORABLE_TEXT, STORABLE_TEXT_RULE)
    .refine((id) => !id.startsWith(SOURCE_KEY_PREFIX), `ids starting with "${SOURCE_KEY_PREFIX}" are reserved for events from [[sources]]`)
    .optional(),
  timestamp: timestamp.optional(),
  // Taken as parsed, not rebuilt: rebuilding key by key would turn a "__proto__" key into a
  // prototype and silently drop it (found by the fuzz tests). JSON.parse made it a plain object.
  data: z.custom<Record<string, unknown>>((value) => value !== null && typeof value === "object" && !Array.isArray(value), {
    error: (issue) => (issue.input === undefined ? "is required" : "must be a JSON object"),
  }).meta({ override: { type: "object", description: "any JSON object; relayed as published" } }),
  webhook: z.union([webhook, z.array(webhook).min(1, "must hold at least one webhook").max(MAX_INLINE_WEBHOOKS, `at most ${MAX_INLINE_WEBHOOKS} webhooks`)]).optional(),
});

export const batchBody = z.strictObject({
  events: z.array(publishBody, { error: "must be a list of events" }).min(1, "must hold at least one event").max(1000, "at most 1000 events per batch"),
});

export type PublishBody = z.output<typeof publishBody>;
export type InlineWebhook = z.output<typeof webhook>;
