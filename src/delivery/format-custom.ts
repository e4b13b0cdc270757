// The custom destination's body: {"event","timestamp","data"} as compact JSON, keys in that
// order, so a receiver that parses and re-serializes it compactly gets the very same bytes.

import type { EventEnvelope } from "../core/types.ts";

export function customBody(envelope: EventEnvelope): string {
  return JSON.stringify({ event: envelope.event, timestamp: envelope.timestamp, data: envelope.data });
}
