// From validated publish bodies to the rows the outbox stores: routing, inline webhooks
// (checked against [security] first, in inline-checks.ts), ids and expiry times.

import type { Clock } from "../core/clock.ts";
import { isoTime } from "../core/iso-time.ts";
import { canonicalWebhookUrl, detectDestinationType } from "../platforms/registry.ts";
import type { IdGenerator } from "../core/ids.ts";
import { destinationsFor, eventMatchesAny } from "../core/routing.ts";
import type { EventEnvelope, InlineTarget } from "../core/types.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { inlineDestinationName } from "../delivery/inline.ts";
import type { NewDelivery, NewEvent } from "../outbox/types.ts";
import type { InlineWebhook, PublishBody } from "./schemas.ts";

export interface PublishDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  ids: IdGenerator;
}

export function toNewEvent(body: PublishBody, deps: PublishDeps): NewEvent {
  const cfg = deps.config();
  const receivedAt = deps.clock.now();
  const id = deps.ids.event();
  const envelope: EventEnvelope = {
    event: body.event,
    timestamp: body.timestamp ?? isoTime(receivedAt),
    data: body.data,
  };
  const deliveries = routedDeliveries(cfg, envelope, receivedAt, deps.ids);
  const seen = new Set(deliveries.map((d) => d.destination));
  for (const webhook of webhooksOf(body)) {
    if (!eventMatchesAny(webhook.events, body.event)) continue;
    const target = inlineTarget(webhook);
    const name = inlineDestinationName(target.url);
    if (seen.has(name)) continue;
    seen.add(name);
    deliveries.push({ id: deps.ids.delivery(), destination: name, target, expiresAt: receivedAt + cfg.defaults.maxAgeMs });
  }
  return {
    id,
    name: body.event,
    idempotencyKey: body.id,
    timestamp: envelope.timestamp,
    data: JSON.stringify(body.data),
    receivedAt,
    deliveries,
  };
}

/** One delivery per configured destination the routes send this event to, each due to expire max_age from now. */
export function routedDeliveries(config: RuntimeConfig, envelope: EventEnvelope, receivedAt: number, ids: IdGenerator, source?: string): NewDelivery[] {
  const deliveries: NewDelivery[] = [];
  for (const name of destinationsFor(config.routes, envelope, source)) {
    const destination = config.destinations.get(name);
    if (destination) deliveries.push({ id: ids.delivery(), destination: name, expiresAt: receivedAt + destination.policy.maxAgeMs });
  }
  return deliveries;
}

function webhooksOf(body: PublishBody): InlineWebhook[] {
  return body.webhook === undefined ? [] : Array.isArray(body.webhook) ? body.webhook : [body.webhook];
}

function inlineTarget(webhook: InlineWebhook): InlineTarget {
  const url = canonicalWebhookUrl(webhook.url);
  const type = webhook.type ?? detectDestinationType(url);
  if (!webhook.secret) return { url, type };
  // Only what the producer chose is stored: the defaults stay in one place (delivery/inline.ts).
  return {
    url,
    type,
    secret: webhook.secret,
    ...(webhook.signature ? { signature: webhook.signature } : {}),
    ...(webhook.signatureHeader ? { signatureHeader: webhook.signatureHeader } : {}),
  };
}
