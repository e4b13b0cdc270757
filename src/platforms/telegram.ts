// Telegram Bot API (`sendMessage` to a `chat_id`): one HTML message per event, with the
// outcome's emoji, the task's fields, a link and the event time, escaped for parse_mode HTML
// and within 4,096 characters; "@name" in event text notifies nobody. A 429 names its wait in `parameters.retry_after`; errors carry
// a `description`. The bot token sits in the URL path: it is a credential everywhere.

import { z } from "zod";
import { cut, OUTCOME_EMOJI } from "../delivery/summary.ts";
import { jsonRequest, parseJson, secondsToMs } from "./answers.ts";
import { digestHeading, emojiLine, fitDigest } from "./digest-lines.ts";
import { DIGEST_KEYS, MESSAGE_KEYS } from "./keys.ts";
import { escapeHtml, fitMessage, messageParts } from "./message.ts";
import type { DigestFormatter, Platform } from "./platform.ts";
import type { Destination, EventEnvelope } from "../core/types.ts";

/**
 * Event text as Telegram shows it literally: HTML-escaped, and "@name" broken by a word joiner
 * (invisible) so that it is not a mention that notifies someone in a group.
 */
export function telegramText(text: string): string {
  return escapeHtml(text).replace(/@(?=\w)/g, "@\u2060");
}

export const TELEGRAM_LIMITS = { text: 4096, title: 256, fieldName: 256, fieldValue: 1024, description: 2048, fields: 25 } as const;

const SEND_MESSAGE_PATH = /^\/bot([^/]+)\/sendMessage$/;

/** The sendMessage body. Text is measured before entity parsing, which only makes it shorter. */
export function telegramMessage(destination: Destination, envelope: EventEnvelope): Record<string, unknown> {
  const parts = messageParts(destination, envelope);
  const { summary } = parts;
  const head = `${OUTCOME_EMOJI[summary.outcome]} <b>${telegramText(cut(parts.heading, TELEGRAM_LIMITS.title))}</b>`;
  const link = parts.link ? `<a href="${escapeHtml(parts.link)}">${parts.linkLabel}</a>` : undefined;
  const footer = `<i>${escapeHtml(parts.footer)}</i>`;
  const fields = summary.fields.slice(0, TELEGRAM_LIMITS.fields).map((field) => ({
    line: `<b>${telegramText(cut(field.name, TELEGRAM_LIMITS.fieldName))}:</b> ${telegramText(cut(field.value, TELEGRAM_LIMITS.fieldValue))}`,
  }));
  const description = parts.description === undefined ? undefined : cut(parts.description, TELEGRAM_LIMITS.description);
  const text = fitMessage(
    fields,
    description,
    (kept, desc) => [head, desc === undefined ? undefined : telegramText(desc), kept.map((field) => field.line).join("\n") || undefined, link, footer].filter(Boolean).join("\n\n"),
    (rendered) => rendered.length,
    TELEGRAM_LIMITS.text,
  );
  return { chat_id: destination.options.chat_id, text, parse_mode: "HTML", link_preview_options: { is_disabled: true } };
}

/** A backed-up chat's message: a bold heading and one line per event, within 4,096 characters. */
const telegramDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const { rendered, count } = fitDigest(
      envelopes,
      (carried, items) => ({
        chat_id: destination.options.chat_id,
        text: [`<b>${telegramText(digestHeading(carried))}</b>`, ...items.map((item) => emojiLine(item, telegramText))].join("\n"),
        parse_mode: "HTML",
        link_preview_options: { is_disabled: true },
      }),
      (message) => message.text.length,
      TELEGRAM_LIMITS.text,
    );
    return { request: jsonRequest(destination.url, JSON.stringify(rendered)), count };
  },
};

export const telegram: Platform = {
  type: "telegram",
  detect: (url) => url.hostname === "api.telegram.org" && url.pathname.startsWith("/bot"),
  ownsHost: (hostname) => hostname === "api.telegram.org",
  keys: {
    ...MESSAGE_KEYS,
    ...DIGEST_KEYS,
    chat_id: z.union([z.number().int(), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,})$/, 'must be a numeric chat id ("-1001234567890") or a channel username ("@mychannel")')]).optional(),
  },
  signed: false,
  // A producer cannot name the chat: inline telegram webhooks have nowhere to send.
  inline: false,
  check({ url, options }, problem) {
    if (!SEND_MESSAGE_PATH.test(new URL(url).pathname)) problem("url", 'must be the bot\'s sendMessage URL, "https://api.telegram.org/bot<token>/sendMessage"');
    if (options.chat_id === undefined) problem("chat_id", "is required for telegram destinations (the chat, group or channel to post in)");
  },
  credentials({ url }) {
    const token = SEND_MESSAGE_PATH.exec(new URL(url).pathname)?.[1];
    return token ? [`bot${token}`, token, decodeURIComponent(token)] : [];
  },
  format: ({ destination, envelope }) => jsonRequest(destination.url, JSON.stringify(telegramMessage(destination, envelope))),
  digest: telegramDigest,
  answer: {
    waitsOn429: true,
    // {"ok": false, "error_code": 429, "description": "Too Many Requests: retry after 5", "parameters": {"retry_after": 5}}
    retryAfterMs: (body) => secondsToMs((parseJson(body) as { parameters?: { retry_after?: unknown } } | undefined)?.parameters?.retry_after),
    reason(body) {
      const description = (parseJson(body) as { description?: unknown } | undefined)?.description;
      return typeof description === "string" ? description.slice(0, 200) : undefined;
    },
  },
  // Telegram's FAQ: about one message a second in a chat, and 20 a minute in a group.
  pacing: [
    { count: 1, perMs: 1_000 },
    { count: 20, perMs: 60_000 },
  ],
};
