// The shapes of the ingress's answers, as zod schemas: the OpenAPI document is generated from
// them (openapi.ts), and the integration tests parse real answers with them, strictly, so a
// field added to a view (ops/views.ts) without its schema fails a test.

import { z } from "zod";
import { DELIVERY_ID, EVENT_ID } from "../core/ids.ts";
import { DELIVERY_STATUSES } from "../core/types.ts";

const time = z.string().meta({ description: "RFC 3339, UTC milliseconds", example: "2026-03-09T12:00:00.000Z" });
const id = (prefix: "evt" | "dlv") => z.string().regex(prefix === "evt" ? EVENT_ID : DELIVERY_ID).meta({ example: `${prefix}_01JNZB7Q0E5G2S8XWYV4K3M1TD` });

export const errorAnswer = z
  .strictObject({
    error: z.strictObject({
      code: z.string().meta({ example: "invalid_body" }),
      message: z.string(),
      issues: z.array(z.strictObject({ path: z.string().meta({ example: "data" }), message: z.string() })).optional(),
    }),
  })
  .meta({ id: "Error" });

const newDelivery = z.strictObject({ id: id("dlv"), destination: z.string() });

export const publishAnswer = z.strictObject({ id: id("evt"), deliveries: z.array(newDelivery), duplicate: z.boolean() }).meta({ id: "PublishAnswer" });
export const batchAnswer = z.strictObject({ results: z.array(publishAnswer) });

export const deliveryAnswer = z
  .strictObject({
    id: id("dlv"),
    event_id: id("evt"),
    event: z.string(),
    destination: z.string().meta({ description: "a configured destination, or inline:<host>#<hash> for a producer's webhook" }),
    status: z.enum(DELIVERY_STATUSES),
    attempt_count: z.number().int(),
    failed_attempts: z.number().int(),
    created_at: time,
    next_attempt_at: time.nullable(),
    expires_at: time,
    finished_at: time.nullable(),
    last_status_code: z.number().int().nullable(),
    last_error: z.string().nullable(),
  })
  .meta({ id: "Delivery" });

export const deliveryDetailAnswer = deliveryAnswer
  .extend({
    attempts: z.array(
      z.strictObject({
        n: z.number().int(),
        at: time,
        duration_ms: z.number(),
        outcome: z.enum(["succeeded", "retryable", "permanent", "rate_limited"]),
        status_code: z.number().int().nullable(),
        error: z.string().nullable(),
        response: z.string().nullable().meta({ description: "the receiver's answer, cut to 4 KiB" }),
        digest_id: z.string().optional().meta({ description: "the digest message that carried this attempt with other deliveries; absent when it went alone" }),
      }),
    ),
  })
  .meta({ id: "DeliveryDetail" });

const nextCursor = z.string().nullable().meta({ description: "pass as cursor for the next page; null on the last" });
export const deliveryListAnswer = z.strictObject({ deliveries: z.array(deliveryAnswer), next_cursor: nextCursor });
export const countAnswer = z.strictObject({ count: z.number().int() });

export const destinationStateAnswer = z
  .strictObject({
    name: z.string(),
    type: z.string().optional().meta({ description: "the platform type" }),
    state: z.enum(["active", "paused", "disabled"]),
    held_by: z
      .enum(["config", "operator", "gone", "failing"])
      .nullable()
      .meta({ description: "config: paused = true; operator: paused by the API or CLI; gone: the platform said the webhook no longer exists; failing: disable_after_failures deliveries in a row ended badly" }),
    reason: z.string().nullable(),
    since: time.nullable(),
    pending: z.number().int().meta({ description: "deliveries waiting" }),
  })
  .meta({ id: "DestinationState" });
export const destinationListAnswer = z.strictObject({ destinations: z.array(destinationStateAnswer) });

export const eventAnswer = z
  .strictObject({
    id: id("evt"),
    event: z.string(),
    timestamp: time,
    received_at: time,
    idempotency_key: z.string().nullable().meta({ description: "the producer's id, or the source's deduplication key" }),
    source: z.string().nullable(),
    data: z.record(z.string(), z.unknown()),
    deliveries: z.array(id("dlv")),
  })
  .meta({ id: "Event" });
export const eventListAnswer = z.strictObject({ events: z.array(eventAnswer), next_cursor: nextCursor });

export const replayAnswer = z.strictObject({ id: id("evt"), deliveries: z.array(newDelivery) }).meta({ id: "Replay" });
export const bulkReplayAnswer = z.strictObject({
  events: z.array(replayAnswer),
  count: z.number().int().meta({ description: "new deliveries made" }),
  next_cursor: nextCursor.meta({ description: "more events match: call again with this cursor" }),
});

export const healthAnswer = z.strictObject({ status: z.literal("ok") });
export const readyAnswer = z.union([z.strictObject({ status: z.literal("ready") }), z.strictObject({ status: z.literal("not_ready"), reason: z.string() })]);
