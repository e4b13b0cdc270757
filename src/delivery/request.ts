// Building the HTTP request for one attempt: format for the platform, add Herald's headers,
// sign. Pure: the clock's reading comes in as `now`.

import type { Destination } from "../core/types.ts";
import type { ClaimedDelivery } from "../outbox/types.ts";
import { USER_AGENT } from "../version.ts";
import { customPayload } from "./format-custom.ts";
import { signatureHeaders } from "./sign.ts";
import { platformFormatters } from "./platforms.ts";

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
  if (destination.type !== "custom") {
    const formatted = platformFormatters[destination.type](destination, delivery.event);
    const headers: Record<string, string> = { ...tracing, ...destination.headers };
    if (typeof formatted.body === "string") headers["Content-Type"] = "application/json";
    return { url: formatted.url, headers, body: formatted.body };
  }
  const body = customPayload(destination, delivery.event, delivery.rawBody);
  const signatures = signatureHeaders({
    scheme: destination.signature,
    secrets: destination.secrets,
    header: destination.signatureHeader,
    body,
    eventId: delivery.eventId,
    unixSeconds: Math.floor(now / 1000),
  });
  return {
    url: destination.url,
    headers: { "Content-Type": "application/json", ...tracing, ...destination.headers, ...signatures },
    body,
  };
}
