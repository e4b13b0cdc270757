// The custom destination's body: {"event","timestamp","data"} as compact JSON, keys in that
// order, so a receiver that parses and re-serializes it compactly gets the very same bytes.
// With body = "original", a source event's body goes on exactly as the provider sent it.

import type { Destination, EventEnvelope } from "../core/types.ts";

export function customBody(envelope: EventEnvelope): string {
  return JSON.stringify({ event: envelope.event, timestamp: envelope.timestamp, data: envelope.data });
}

/** The bytes a custom destination receives for this event. */
export function customPayload(destination: Pick<Destination, "bodyMode">, envelope: EventEnvelope, rawBody: string | undefined): string {
  if (destination.bodyMode === "original") return rawBody ?? JSON.stringify(envelope.data);
  return customBody(envelope);
}
