// What every platform's digest shares: one short line of text per event, a heading that says
// how many events the message carries, and taking lines in order while the message has room.

import type { EventEnvelope } from "../core/types.ts";
import { cut, OUTCOME_EMOJI, summarize, type Outcome } from "../delivery/summary.ts";

/** A line's text is cut to this, so one event never crowds a message's others out. */
const LABEL_MAX = 200;
/** Longer links are left out of a line (the label still names the event). */
const LINK_MAX = 500;

export interface DigestItem {
  /** The event's title without its link (each platform escapes it its own way). */
  label: string;
  /** The page or task URL, shown bare so the chat client links it. */
  url?: string;
  outcome: Outcome;
}

export function digestItem(envelope: EventEnvelope): DigestItem {
  const summary = summarize(envelope);
  const url = summary.url && summary.url.length <= LINK_MAX ? summary.url : undefined;
  // "Page found: https://..." names its link already; shown once, the line stays short.
  const label = url && summary.title.endsWith(url) ? summary.title.slice(0, -url.length).trim() : summary.title;
  return { label: cut(label || envelope.event, LABEL_MAX), url, outcome: summary.outcome };
}

/** "57 on_find events", or "57 events" when their names differ. */
export function digestHeading(envelopes: EventEnvelope[]): string {
  const names = new Set(envelopes.map((envelope) => envelope.event));
  return names.size === 1 ? `${envelopes.length} ${envelopes[0]!.event} events` : `${envelopes.length} events`;
}

/** How many items, from the first, `take` accepted before it first said no (at least one). */
export function takeFitting<T>(items: T[], take: (item: T) => boolean): number {
  let count = 0;
  for (const item of items) {
    if (!take(item)) break;
    count++;
  }
  return Math.max(1, count);
}

/** "✅ Page found: https://..." with the label and link each passed through `escape`. */
export function emojiLine(item: DigestItem, escape: (text: string) => string): string {
  return `${OUTCOME_EMOJI[item.outcome]} ${escape(item.label)}${item.url ? ` ${escape(item.url)}` : ""}`;
}

/** The one outcome all items share, else "info" (a list of mixed results gets a neutral colour). */
export function commonOutcome(items: DigestItem[]): Outcome {
  const outcomes = new Set(items.map((item) => item.outcome));
  return outcomes.size === 1 ? [...outcomes][0]! : "info";
}

/**
 * The message for the longest prefix of `envelopes` whose rendering `size` keeps within `max`
 * (at least one event). Rendering is pure and a prefix's size grows with its length, so a
 * binary search finds it in a handful of renders.
 */
export function fitDigest<R>(envelopes: EventEnvelope[], render: (carried: EventEnvelope[], items: DigestItem[]) => R, size: (rendered: R) => number, max: number): { rendered: R; count: number } {
  const items = envelopes.map(digestItem);
  const at = (count: number) => render(envelopes.slice(0, count), items.slice(0, count));
  let [low, high] = [1, envelopes.length];
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (size(at(middle)) <= max) low = middle;
    else high = middle - 1;
  }
  return { rendered: at(low), count: low };
}
