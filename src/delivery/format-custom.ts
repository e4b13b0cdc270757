// The custom destination's body: {"event","timestamp","data"} as compact JSON, keys in that
// order, so a receiver that parses and re-serializes it compactly gets the very same bytes.
// With body = "original", a source event's body goes on exactly as the provider sent it; with
// a body_template, the user's JSON shape with the event's values in it.

import type { BodyTemplate } from "../core/body-template.ts";
import { readPath } from "../core/routing.ts";
import type { Destination, EventEnvelope } from "../core/types.ts";

export function customBody(envelope: EventEnvelope): string {
  return JSON.stringify({ event: envelope.event, timestamp: envelope.timestamp, data: envelope.data });
}

/** The bytes a custom destination receives for this event. */
export function customPayload(
  destination: Pick<Destination, "bodyMode" | "bodyTemplate">,
  envelope: EventEnvelope,
  rawBody: string | undefined,
  eventId: string,
): string {
  if (destination.bodyTemplate) return renderBodyTemplate(destination.bodyTemplate, envelope, eventId);
  if (destination.bodyMode === "original") return rawBody ?? JSON.stringify(envelope.data);
  return customBody(envelope);
}

/**
 * JSON.stringify, with <, >, &, U+2028 and U+2029 as \u escapes (as Go's encoding/json does):
 * the same value to any JSON parser, and a receiver that puts the text into HTML or a script
 * cannot be handed a "</script>".
 */
function safeJson(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/**
 * A value standing alone goes in as its JSON (a missing one as null); inside a string, as the
 * string's escaped characters (objects as their JSON text, a missing or null value as nothing).
 * Values are never scanned again, so "{data.x}" inside data stays text.
 */
export function renderBodyTemplate(template: BodyTemplate, envelope: EventEnvelope, eventId: string): string {
  const values: Record<string, unknown> = { event: envelope.event, timestamp: envelope.timestamp, id: eventId, data: envelope.data };
  return template.parts
    .map((part) => {
      if ("text" in part) return part.text;
      const value = readPath(values, part.path);
      if (!part.quoted) return value === undefined ? "null" : safeJson(value);
      if (value === undefined || value === null) return "";
      return safeJson(typeof value === "string" ? value : JSON.stringify(value)).slice(1, -1);
    })
    .join("");
}
