// Building the HTTP request for one attempt: the platform formats (and, for custom
// destinations, signs) it; Herald's tracing headers and the destination's own headers go on
// every request. Pure: the clock's reading comes in as `now`.

import type { Destination } from "../core/types.ts";
import type { ClaimedDelivery } from "../outbox/types.ts";
import { platformOf } from "../platforms/registry.ts";
import { USER_AGENT } from "../version.ts";

export interface OutgoingRequest {
  url: string;
  headers: Record<string, string>;
  body: string | FormData;
}

export function buildRequest(destination: Destination, delivery: Omit<ClaimedDelivery, "lease">, now: number): OutgoingRequest {
  const tracing = {
    "User-Agent": USER_AGENT,
    "X-Herald-Event": delivery.event.event,
    "X-Herald-Event-Id": delivery.eventId,
    "X-Herald-Delivery": delivery.id,
    "X-Herald-Attempt": String(delivery.attempt),
  };
  const formatted = platformOf(destination.type).format({ destination, envelope: delivery.event, eventId: delivery.eventId, rawBody: delivery.rawBody, now });
  // The platform's headers last: a signature or a token must not be replaced by a configured header.
  return { url: formatted.url, headers: { ...tracing, ...destination.headers, ...formatted.headers }, body: formatted.body };
}
