// Turning a verified provider request into an event: its name (a body field, a header, a fixed
// name or the first matching rule), its data, its timestamp and its deduplication key.

import { matchesAll, OPERATIONAL_PREFIX, readPath } from "../core/routing.ts";
import type { EventEnvelope, Source } from "../core/types.ts";
import { keepableKey } from "../core/stored-text.ts";

/**
 * Source events' deduplication keys start with this; publishers' ids may not (schemas.ts), or a
 * producer could store one first and have the provider's real event answered as its duplicate.
 */
export const SOURCE_KEY_PREFIX = "source:";

/** The name given to a request no rule names and no fallback `event` covers: kept, not refused. */
export const UNMATCHED_EVENT = "unmatched";

export type SourceEvent =
  | { ok: true; envelope: EventEnvelope; idempotencyKey?: string }
  /** The request named a reserved event: refused, whatever its signature says. */
  | { ok: false; reason: string };

export function sourceEvent(source: Source, body: unknown, headers: Headers, replayKey: string | undefined, receivedAt: number): SourceEvent {
  const record: Record<string, unknown> = isRecord(body) ? body : { body };
  const { name: event, from } = eventName(source, record, headers);
  // A valid signature says who sent the request, not that its sender may speak for Herald: an
  // event named herald.* would reach the ops routes as a genuine-looking alert. The header of
  // event_header (X-GitHub-Event for GitHub) is not even covered by the signature.
  if (event.startsWith(OPERATIONAL_PREFIX)) {
    return { ok: false, reason: `the event name from ${from} starts with "${OPERATIONAL_PREFIX}", which is reserved for Herald's own operational events` };
  }
  const inner = source.dataField ? readPath(record, source.dataField) : undefined;
  const data = isRecord(inner) ? inner : record;
  return {
    ok: true,
    envelope: { event, timestamp: timestampOf(source, record, receivedAt), data },
    idempotencyKey: dedupKey(source, event, record, headers, replayKey),
  };
}

/** The event's name and where it came from, for an error that says which key to look at. */
function eventName(source: Source, body: Record<string, unknown>, headers: Headers): { name: string; from: string } {
  const { naming } = source;
  const [candidate, from] = naming.field
    ? [readPath(body, naming.field), `the body's ${naming.field}`]
    : naming.header
      ? [headers.get(naming.header), `the ${naming.header} header`]
      : [naming.rules.find((rule) => (rule.has === undefined || present(readPath(body, rule.has))) && matchesAll(rule.match, body))?.event, "event_rules"];
  const name = typeof candidate === "string" || typeof candidate === "number" ? String(candidate) : undefined;
  // Names travel in the X-Herald-Event header: anything else falls back rather than fails.
  if (name && /^[\x21-\x7e]{1,128}$/.test(name)) return { name, from };
  return { name: naming.fixed ?? UNMATCHED_EVENT, from: "event" };
}

function timestampOf(source: Source, body: Record<string, unknown>, receivedAt: number): string {
  const value = source.timestampField ? readPath(body, source.timestampField) : undefined;
  const parsed = typeof value === "string" ? Date.parse(value) : Number.NaN;
  return new Date(Number.isNaN(parsed) ? receivedAt : parsed).toISOString();
}

/**
 * The key that makes a repeat a duplicate: the configured id_from parts, else the signature's
 * own replay key (a timestamped or Standard Webhooks request sent twice is the same request).
 * Namespaced by source, and publishers' ids cannot take the prefix.
 */
function dedupKey(source: Source, event: string, body: Record<string, unknown>, headers: Headers, replayKey: string | undefined): string | undefined {
  if (source.idFrom.length > 0) {
    const parts = source.idFrom.map((part) => (part === "event" ? event : part.startsWith("header:") ? headers.get(part.slice(7)) : readPath(body, part)));
    if (parts.every((part) => typeof part === "string" || typeof part === "number")) return `${SOURCE_KEY_PREFIX}${source.name}:${keepableKey(parts.join(":"))}`;
    return undefined;
  }
  return replayKey ? `${SOURCE_KEY_PREFIX}${source.name}:${keepableKey(replayKey)}` : undefined;
}

const present = (value: unknown) => value !== undefined && value !== null;

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
