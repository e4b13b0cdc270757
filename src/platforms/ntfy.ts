// ntfy (ntfy.sh or a self-hosted server): a JSON publish to the server's root naming the
// topic, with a title, a priority and tags by outcome (the tag shows as the emoji), a click
// URL and the fields as plain text within ntfy's 4,096-byte message limit. Any host can run
// ntfy, so the type is never detected. An access token, when set, is a credential everywhere.

import { z } from "zod";
import { cut, type Outcome } from "../delivery/summary.ts";
import { jsonRequest, parseJson } from "./answers.ts";
import { commonOutcome, digestHeading, emojiLine, fitDigest } from "./digest-lines.ts";
import { DIGEST_KEYS, MESSAGE_KEYS } from "./keys.ts";
import { fitMessage, messageParts, utf8Bytes } from "./message.ts";
import type { DigestFormatter, FormattedRequest, Platform } from "./platform.ts";
import type { Destination, EventEnvelope } from "../core/types.ts";

/** `message`: bytes (ntfy turns longer messages into attachments). */
export const NTFY_LIMITS = { message: 4096, title: 256, fieldValue: 1024, fields: 25 } as const;

const PRIORITIES: Record<Outcome, number> = { failure: 4, warning: 4, success: 3, info: 3, started: 2 };
const TAGS: Record<Outcome, string> = { success: "white_check_mark", failure: "x", started: "arrow_forward", warning: "warning", info: "information_source" };

/** The topic is the URL's last path segment; the JSON publish goes to what is before it. */
const TOPIC_URL = /^(.*\/)([-_A-Za-z0-9]{1,64})$/;

function splitTopic(url: string): { base: string; topic: string } | undefined {
  const parsed = new URL(url);
  const match = TOPIC_URL.exec(parsed.pathname);
  if (!match || parsed.search) return undefined;
  return { base: `${parsed.origin}${match[1]}`, topic: match[2]! };
}

export function ntfyMessage(destination: Destination, envelope: EventEnvelope): { url: string; message: Record<string, unknown> } {
  const { base, topic } = splitTopic(destination.url)!;
  const parts = messageParts(destination, envelope);
  const { summary } = parts;
  const lines = summary.fields.slice(0, NTFY_LIMITS.fields).map((field) => `${field.name}: ${cut(field.value, NTFY_LIMITS.fieldValue)}`);
  const text = fitMessage(lines, parts.description, (kept, description) => [description, kept.join("\n") || undefined, parts.footer].filter(Boolean).join("\n\n"), utf8Bytes, NTFY_LIMITS.message);
  const message: Record<string, unknown> = {
    topic,
    title: cut(parts.heading, NTFY_LIMITS.title),
    message: text,
    priority: PRIORITIES[summary.outcome],
    tags: [TAGS[summary.outcome]],
  };
  if (parts.link) message.click = parts.link;
  return { url: base, message };
}

/** The JSON publish, with the destination's access token when it has one. */
function ntfyRequest(destination: Destination, url: string, message: Record<string, unknown>): FormattedRequest {
  const request = jsonRequest(url, JSON.stringify(message));
  if (typeof destination.options.token === "string") request.headers.Authorization = `Bearer ${destination.options.token}`;
  return request;
}

/** A backed-up topic's notification: the count as its title, one line per event, within 4,096 bytes. */
const ntfyDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const { base, topic } = splitTopic(destination.url)!;
    const { rendered, count } = fitDigest(
      envelopes,
      (carried, items) => {
        const outcome = commonOutcome(items);
        return { topic, title: digestHeading(carried), message: items.map((item) => emojiLine(item, (text) => text)).join("\n"), priority: PRIORITIES[outcome], tags: [TAGS[outcome]] };
      },
      (message) => utf8Bytes(message.message),
      NTFY_LIMITS.message,
    );
    return { request: ntfyRequest(destination, base, rendered), count };
  },
};

export const ntfy: Platform = {
  type: "ntfy",
  // ntfy.sh's own limits pace inline webhooks to it; other servers are named by `type` only.
  ownsHost: (hostname) => hostname === "ntfy.sh",
  keys: { ...MESSAGE_KEYS, ...DIGEST_KEYS, token: z.string().min(1, "must not be empty").regex(/^[\x21-\x7e]+$/, "must be an access token (visible ASCII, no spaces)").optional() },
  signed: false,
  // The topic URL is checked with the config; an inline one could not be told apart from any URL.
  inline: false,
  check({ url }, problem) {
    if (!splitTopic(url)) problem("url", 'must be the topic\'s URL, "https://ntfy.sh/<topic>" (the topic: 1 to 64 letters, digits, "-" or "_"; no query)');
  },
  credentials: ({ options }) => (typeof options.token === "string" ? [options.token] : []),
  format({ destination, envelope }) {
    const { url, message } = ntfyMessage(destination, envelope);
    return ntfyRequest(destination, url, message);
  },
  digest: ntfyDigest,
  answer: {
    waitsOn429: true,
    // ntfy.sh refills one request every 5 s once a visitor's burst is spent, and names no wait.
    fallbackWaitMs: 5_000,
    // {"code": 40301, "http": 403, "error": "forbidden", "link": "..."}
    reason(body) {
      const parsed = parseJson(body) as { code?: unknown; error?: unknown } | undefined;
      return parsed?.code !== undefined && typeof parsed.error === "string" ? `ntfy error ${String(parsed.code)} (${parsed.error})` : undefined;
    },
  },
  // ntfy.sh: a burst of 60 requests, then one every 5 s; 12 a minute stays inside both.
  pacing: [{ count: 12, perMs: 60_000 }],
};
