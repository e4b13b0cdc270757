// Google Chat incoming webhooks (a space's webhook URL, with its `key` and `token` query): one
// cards v2 message per event, a header with the outcome's emoji and the event time, the
// outcome in its colour, the task's fields as decorated text, and a link button; within the
// 32,000-byte message limit. The key and token are credentials everywhere.

import { cut, OUTCOME_COLORS, OUTCOME_EMOJI, type Outcome } from "../delivery/summary.ts";
import { googleStyleReason, jsonRequest } from "./answers.ts";
import { digestHeading, emojiLine, fitDigest } from "./digest-lines.ts";
import { DIGEST_KEYS, MESSAGE_KEYS } from "./keys.ts";
import { escapeHtml, fitMessage, jsonBytes, messageParts } from "./message.ts";
import type { DigestFormatter, Platform } from "./platform.ts";
import type { Destination, EventEnvelope } from "../core/types.ts";

/** `widgets`: 100 per card, less the outcome line and the link button. */
export const GOOGLE_CHAT_LIMITS = { bytes: 32_000, text: 4096, title: 256, fieldName: 256, fieldValue: 2048, description: 4096, fallback: 256, widgets: 98 } as const;

const OUTCOME_WORDS: Record<Outcome, string> = { success: "Succeeded", failure: "Failed", started: "Started", warning: "Warning", info: "Info" };

export function googleChatMessage(destination: Destination, envelope: EventEnvelope): Record<string, unknown> {
  const parts = messageParts(destination, envelope);
  const { summary } = parts;
  const heading = `${OUTCOME_EMOJI[summary.outcome]} ${parts.heading}`;
  const colour = `#${OUTCOME_COLORS[summary.outcome].toString(16).padStart(6, "0").toUpperCase()}`;
  const fields = summary.fields.slice(0, GOOGLE_CHAT_LIMITS.widgets).map((field) => ({
    decoratedText: { topLabel: escapeHtml(cut(field.name, GOOGLE_CHAT_LIMITS.fieldName)), text: escapeHtml(cut(field.value, GOOGLE_CHAT_LIMITS.fieldValue)), wrapText: true },
  }));
  const render = (kept: typeof fields, description?: string) => {
    const outcome = `<font color="${colour}"><b>${OUTCOME_WORDS[summary.outcome]}</b></font>`;
    const widgets: unknown[] = [{ textParagraph: { text: description === undefined ? outcome : `${outcome}\n${escapeHtml(description)}` } }, ...kept];
    if (parts.link) widgets.push({ buttonList: { buttons: [{ text: parts.linkLabel, onClick: { openLink: { url: parts.link } } }] } });
    return {
      // What notifications and clients without cards show.
      fallbackText: cut(heading, GOOGLE_CHAT_LIMITS.fallback),
      cardsV2: [{ cardId: "herald", card: { header: { title: cut(heading, GOOGLE_CHAT_LIMITS.title), subtitle: parts.footer }, sections: [{ widgets }] } }],
    };
  };
  const description = parts.description === undefined ? undefined : cut(parts.description, GOOGLE_CHAT_LIMITS.description);
  return fitMessage(fields, description, render, jsonBytes, GOOGLE_CHAT_LIMITS.bytes);
}

/**
 * A backed-up space's message: a text message (4,096 characters), a bold heading and one line
 * per event. Plain text keeps a long list readable where a card's widgets would each be a row.
 */
const googleChatDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const { rendered, count } = fitDigest(
      envelopes,
      (carried, items) => ({ text: [`*${digestHeading(carried)}*`, ...items.map((item) => emojiLine(item, (text) => text))].join("\n") }),
      (message) => message.text.length,
      GOOGLE_CHAT_LIMITS.text,
    );
    return { request: jsonRequest(destination.url, JSON.stringify(rendered)), count };
  },
};

export const googleChat: Platform = {
  type: "googlechat",
  detect: (url) => url.hostname === "chat.googleapis.com" && /^\/v1\/spaces\/[^/]+\/messages$/.test(url.pathname),
  ownsHost: (hostname) => hostname === "chat.googleapis.com",
  keys: { ...MESSAGE_KEYS, ...DIGEST_KEYS },
  signed: false,
  inline: true,
  credentials({ url }) {
    const query = new URL(url).searchParams;
    return [query.get("key"), query.get("token")].filter((value): value is string => !!value && value.length >= 8);
  },
  format: ({ destination, envelope }) => jsonRequest(destination.url, JSON.stringify(googleChatMessage(destination, envelope))),
  digest: googleChatDigest,
  answer: {
    // {"error": {"code": 429, "message": "Resource has been exhausted ...", "status": "RESOURCE_EXHAUSTED"}}, no Retry-After.
    waitsOn429: true,
    fallbackWaitMs: 2_000,
    reason: googleStyleReason,
  },
  // Google Chat allows 60 message writes a minute per space (1 a second, shared by every app).
  pacing: [{ count: 1, perMs: 1_000 }],
};
