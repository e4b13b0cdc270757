// From validated publish bodies to the rows the outbox stores: routing, inline webhooks
// (checked against [security] first), ids and expiry times.

import type { Clock } from "../core/clock.ts";
import { isoTime } from "../core/iso-time.ts";
import { canonicalWebhookUrl, detectDestinationType } from "../core/destination-type.ts";
import type { IdGenerator } from "../core/ids.ts";
import { destinationsFor, eventMatchesAny } from "../core/routing.ts";
import type { EventEnvelope, InlineTarget } from "../core/types.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { inlineDestinationName } from "../delivery/inline.ts";
import { guardUrl, type Resolver } from "../delivery/ssrf-guard.ts";
import type { NewDelivery, NewEvent } from "../outbox/types.ts";
import type { Issue } from "./errors.ts";
import type { InlineWebhook, PublishBody } from "./schemas.ts";

export interface PublishDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  ids: IdGenerator;
  resolve?: Resolver;
}

/** Checks every inline webhook URL; returns one issue per refused URL, with its path. */
export async function checkInlineWebhooks(bodies: Array<{ body: PublishBody; path: string }>, deps: PublishDeps): Promise<Issue[]> {
  const security = deps.config().security;
  const checks = bodies.flatMap(({ body, path }) =>
    webhooksOf(body).map(async (webhook, i, all) => {
      const at = `${path}webhook${all.length > 1 || Array.isArray(body.webhook) ? `[${i}]` : ""}.url`;
      const verdict = await guardUrl(webhook.url, security, deps.resolve);
      return verdict.ok ? undefined : { path: at, message: `refused: ${verdict.reason}` };
    }),
  );
  return (await Promise.all(checks)).filter((issue): issue is Issue => issue !== undefined);
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
  return webhook.secret ? { url, type, secret: webhook.secret } : { url, type };
}
