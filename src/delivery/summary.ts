// What an event says, independent of any platform: a title, an outcome (which picks colour
// and emoji) and labelled fields. Discord and Slack formatters render this summary.
// Knows the seed providers' shapes: task events (started/completed/failed) and Spider-style
// on_find / on_website_status / credit warnings; anything else is summarised from its fields.

import type { EventEnvelope } from "../core/types.ts";

export type Outcome = "success" | "failure" | "started" | "warning" | "info";

export interface SummaryField {
  name: string;
  value: string;
  inline: boolean;
}

export interface EventSummary {
  title: string;
  outcome: Outcome;
  fields: SummaryField[];
  /** A link worth following (the page or task URL), when data has one. */
  url?: string;
}

export const OUTCOME_COLORS: Record<Outcome, number> = {
  success: 0x2ecc71,
  failure: 0xe74c3c,
  started: 0x3498db,
  info: 0x3498db,
  warning: 0xf1c40f,
};

export const OUTCOME_EMOJI: Record<Outcome, string> = {
  success: "✅",
  failure: "❌",
  started: "▶️",
  info: "ℹ️",
  warning: "⚠️",
};

/** Fields shown for task events, in this order, with their labels. */
const TASK_FIELDS: Array<[string, string]> = [
  ["task_id", "Task ID"],
  ["task_type", "Type"],
  ["url", "URL"],
  ["status", "Status"],
  ["credits_used", "Credits used"],
  ["error", "Error"],
];

const MAX_FIELDS = 25;

export function summarize(envelope: EventEnvelope): EventSummary {
  const { event, data } = envelope;
  if (event === "on_find" || event === "on_find_metadata") return pageFound(event, data);
  if (event === "on_website_status") return crawlStatus(data);
  if (event === "on_credits_depleted" || event === "on_credits_half_depleted") return creditWarning(event, data);
  if (event.startsWith("herald.")) return operationalEvent(event, data);
  if (data.task_id !== undefined || data.task_type !== undefined || ["started", "completed", "failed"].includes(event)) {
    return taskEvent(event, data);
  }
  return genericEvent(event, data);
}

function taskEvent(event: string, data: Record<string, unknown>): EventSummary {
  const outcome = outcomeOf(event, data.status);
  const type = typeof data.task_type === "string" ? capitalize(data.task_type) : "Task";
  const verb = event === "started" ? "started" : event === "completed" ? "completed" : event === "failed" ? "failed" : event;
  const task = data.task_id !== undefined ? `: ${show(data.task_id)}` : "";
  return {
    title: `${type} ${verb}${task}`,
    outcome,
    fields: pick(data, TASK_FIELDS),
    url: linkIn(data.url),
  };
}

function pageFound(event: string, data: Record<string, unknown>): EventSummary {
  return {
    title: `${event === "on_find" ? "Page found" : "Page metadata found"}: ${show(data.url ?? data.pathname ?? "")}`,
    outcome: typeof data.status_code === "number" && data.status_code >= 400 ? "failure" : "success",
    fields: pick(data, [
      ["url", "Page URL"],
      ["status_code", "Status code"],
      ["domain", "Domain"],
      ["crawl_id", "Crawl ID"],
    ]),
    url: linkIn(data.url),
  };
}

function crawlStatus(data: Record<string, unknown>): EventSummary {
  const mode = typeof data.mode === "string" ? data.mode : "update";
  const outcome: Outcome = /complete|done|finish/i.test(mode) ? "success" : /error|fail/i.test(mode) ? "failure" : /start/i.test(mode) ? "started" : "info";
  const duration = typeof data.crawl_duration === "number" ? `${(data.crawl_duration / 1000).toFixed(1)} s` : undefined;
  return {
    title: `Crawl ${mode}: ${show(data.domain ?? data.url ?? "")}`,
    outcome,
    fields: [
      ...pick(data, [["mode", "Mode"], ["url", "URL"], ["links", "Links"]]),
      ...(duration ? [{ name: "Duration", value: duration, inline: true }] : []),
      ...pick(data, [["crawl_id", "Crawl ID"]]),
    ],
    url: linkIn(data.url),
  };
}

function creditWarning(event: string, data: Record<string, unknown>): EventSummary {
  return {
    title: event === "on_credits_depleted" ? "Credits depleted" : "Credits below half",
    outcome: "warning",
    fields: genericFields(data),
  };
}

/** Herald's own alerts (operational events), for an ops channel. */
function operationalEvent(event: string, data: Record<string, unknown>): EventSummary {
  const destination = show(data.destination ?? "");
  if (event === "herald.destination.recovered") {
    return { title: `Destination recovered: ${destination}`, outcome: "success", fields: pick(data, [["failed_before_recovery", "Failed before recovery"]]) };
  }
  if (event === "herald.destination.disabled") {
    return { title: `Destination disabled: ${destination}`, outcome: "failure", fields: pick(data, [["cause", "Cause"], ["reason", "Reason"]]) };
  }
  if (event === "herald.destination.failing") {
    return { title: `Destination failing: ${destination}`, outcome: "failure", fields: pick(data, [["consecutive_failures", "Failures in a row"], ["error", "Error"]]) };
  }
  if (event === "herald.delivery.failed") {
    return {
      title: `Delivery ${show(data.status ?? "failed")}: ${destination}`,
      outcome: "failure",
      fields: pick(data, [["event", "Event"], ["delivery_id", "Delivery"], ["attempts", "Attempts"], ["error", "Error"]]),
    };
  }
  return genericEvent(event, data);
}

function genericEvent(event: string, data: Record<string, unknown>): EventSummary {
  return { title: `Event: ${event}`, outcome: outcomeOf(event, data.status), fields: genericFields(data), url: linkIn(data.url) };
}

function outcomeOf(event: string, status: unknown): Outcome {
  if (/fail|error/i.test(event) || status === "failed" || status === "error") return "failure";
  if (/complete|success|succeeded|done/i.test(event) || status === "success") return "success";
  if (/start/i.test(event)) return "started";
  if (/credit|warn/i.test(event)) return "warning";
  return "info";
}

function pick(data: Record<string, unknown>, fields: Array<[string, string]>): SummaryField[] {
  return fields
    .filter(([key]) => data[key] !== undefined && data[key] !== null && data[key] !== "")
    .map(([key, label]) => ({ name: label, value: show(data[key]), inline: key !== "error" && key !== "url" }));
}

/** The top-level fields of an unknown shape, at most 25; objects and lists show as compact JSON. */
function genericFields(data: Record<string, unknown>): SummaryField[] {
  const fields: SummaryField[] = [];
  for (const [key, value] of Object.entries(data)) {
    if (value === null || value === undefined) continue;
    const text = show(value);
    fields.push({ name: key, value: text, inline: typeof value !== "object" && text.length <= 40 });
  }
  return fields.slice(0, MAX_FIELDS);
}

function show(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function linkIn(value: unknown): string | undefined {
  return typeof value === "string" && /^https?:\/\/\S+$/.test(value) && value.length <= 2000 ? value : undefined;
}

/**
 * Cuts text to at most `max` UTF-16 units, ending with "…" when cut. UTF-16 units never
 * undercount what the platforms count, and the cut never splits a surrogate pair.
 */
export function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let out = "";
  for (const ch of text) {
    if (out.length + ch.length > max - 1) break;
    out += ch;
  }
  return out + "…";
}
