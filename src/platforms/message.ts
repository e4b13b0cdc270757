// What the newer chat formatters (Telegram, Teams, Google Chat, ntfy) share: the summary's
// heading, description and link resolved against the destination's options, a footer naming
// the event and its time, and fitting a message into the platform's total size.

import type { Destination, EventEnvelope } from "../core/types.ts";
import { cut, summarize, type EventSummary } from "../delivery/summary.ts";
import { renderLink, renderTemplate } from "../delivery/template.ts";

export interface MessageParts {
  summary: EventSummary;
  heading: string;
  description?: string;
  /** The destination's results_url filled in, else the event's own URL. */
  link?: string;
  /** "View results" for a results_url, "Open link" for the event's own URL. */
  linkLabel: string;
  footer: string;
}

export function messageParts(destination: Destination, envelope: EventEnvelope): MessageParts {
  const summary = summarize(envelope);
  const { title, description, resultsUrl } = destination.presentation;
  const results = resultsUrl ? renderLink(resultsUrl, envelope) : undefined;
  return {
    summary,
    heading: (title ? renderTemplate(title, envelope) : summary.title) || envelope.event,
    description: description ? renderTemplate(description, envelope) : undefined,
    link: results ?? (resultsUrl ? undefined : summary.url),
    linkLabel: results ? "View results" : "Open link",
    footer: `herald · ${envelope.event} · ${envelope.timestamp.replace("T", " ").replace(/(\.\d+)?Z$/, " UTC")}`,
  };
}

/**
 * The message rendered within `max` (as `size` measures it): fields are dropped from the end,
 * then the description is halved until it fits. Each formatter cuts single texts to their own
 * limits before; this keeps the whole under the platform's total.
 */
export function fitMessage<F, R>(fields: F[], description: string | undefined, render: (fields: F[], description?: string) => R, size: (rendered: R) => number, max: number): R {
  const kept = [...fields];
  let rendered = render(kept, description);
  while (size(rendered) > max && kept.length > 0) {
    kept.pop();
    rendered = render(kept, description);
  }
  for (let budget = description?.length ?? 0; size(rendered) > max && description && budget > 1; ) {
    budget = Math.floor(budget / 2);
    rendered = render(kept, cut(description, budget));
  }
  return rendered;
}

/** UTF-8 bytes of a string (platforms that count bytes: Google Chat, Teams, ntfy). */
export const utf8Bytes = (text: string) => new TextEncoder().encode(text).byteLength;

/** JSON's UTF-8 size, as the platform measures the request body. */
export const jsonBytes = (value: unknown) => utf8Bytes(JSON.stringify(value));

/** HTML-escaping for platforms that parse a small HTML subset (Telegram, Google Chat). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}
