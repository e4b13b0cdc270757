// Slack incoming webhooks: a text line with the outcome's emoji and a coloured attachment
// with the same fields. Event text is escaped so it cannot mention anyone. Slack answers in
// plain text (`channel_not_found`) and allows about one message a second per webhook.
// Mattermost and Rocket.Chat take the same messages (docs/platforms.md).

import type { Destination, EventEnvelope } from "../core/types.ts";
import { cut, OUTCOME_COLORS, OUTCOME_EMOJI, summarize } from "../delivery/summary.ts";
import { renderLink, renderTemplate } from "../delivery/template.ts";
import { jsonRequest } from "./answers.ts";
import { digestHeading, emojiLine, fitDigest, type DigestItem } from "./digest-lines.ts";
import { DIGEST_KEYS, MESSAGE_KEYS, SENDER_KEYS } from "./keys.ts";
import type { DigestFormatter, Platform } from "./platform.ts";

export const SLACK_LIMITS = { text: 3000, title: 256, fields: 25, fieldTitle: 256, fieldValue: 2000 } as const;
/**
 * A digest's text: Slack truncates text past 40,000 characters and Mattermost refuses posts
 * past 16,383; a list this long is already more than anyone reads in one message.
 */
export const SLACK_DIGEST_TEXT = 12_000;

export function formatSlack(destination: Destination, envelope: EventEnvelope): { url: string; body: string } {
  return { url: destination.url, body: JSON.stringify(slackMessage(destination, envelope)) };
}

export function slackMessage(destination: Destination, envelope: EventEnvelope) {
  const summary = summarize(envelope);
  const { title, description, resultsUrl } = destination.presentation;
  const heading = title ? renderTemplate(title, envelope) : summary.title;
  const link = resultsUrl ? renderLink(resultsUrl, envelope) : undefined;
  const attachment: Record<string, unknown> = {
    color: `#${OUTCOME_COLORS[summary.outcome].toString(16).padStart(6, "0").toUpperCase()}`,
    fallback: cut(escapeSlack(heading), SLACK_LIMITS.title),
    fields: summary.fields.slice(0, SLACK_LIMITS.fields).map((field) => ({
      title: cut(escapeSlack(field.name), SLACK_LIMITS.fieldTitle),
      value: cut(escapeSlack(field.value), SLACK_LIMITS.fieldValue),
      short: field.inline,
    })),
    footer: `herald · ${escapeSlack(envelope.event)}`,
    ts: Math.floor(Date.parse(envelope.timestamp) / 1000),
  };
  if (link) {
    attachment.title = "View results";
    attachment.title_link = link;
  }
  if (description) attachment.text = cut(escapeSlack(renderTemplate(description, envelope)), SLACK_LIMITS.text);
  return withSender(destination, {
    text: cut(`${OUTCOME_EMOJI[summary.outcome]} ${escapeSlack(heading)}`, SLACK_LIMITS.text),
    attachments: [attachment],
  });
}

/** The destination's sender name and picture, when set, on a message. */
function withSender(destination: Destination, message: Record<string, unknown>): Record<string, unknown> {
  const { username, avatarUrl } = destination.presentation;
  if (username) message.username = username;
  if (avatarUrl) message.icon_url = avatarUrl;
  return message;
}

/** A backed-up lane's message: a bold heading and one line per event (its emoji, title and link). */
const slackDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const render = (carried: EventEnvelope[], items: DigestItem[]) => {
      return withSender(destination, { text: [`*${digestHeading(carried)}*`, ...items.map((item) => emojiLine(item, escapeSlack))].join("\n") });
    };
    const { rendered, count } = fitDigest(envelopes, render, (message) => String(message.text).length, SLACK_DIGEST_TEXT);
    return { request: jsonRequest(destination.url, JSON.stringify(rendered)), count };
  },
};

/** Slack's control characters: escaping them makes <!channel> and <@U123> plain text. */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

export const slack: Platform = {
  type: "slack",
  detect: (url) => url.hostname === "hooks.slack.com",
  ownsHost: (hostname) => hostname === "hooks.slack.com",
  keys: { ...SENDER_KEYS, ...MESSAGE_KEYS, ...DIGEST_KEYS },
  signed: false,
  inline: true,
  format: ({ destination, envelope }) => {
    const { url, body } = formatSlack(destination, envelope);
    return jsonRequest(url, body);
  },
  digest: slackDigest,
  // Errors are plain-text bodies (403 action_prohibited, 404 channel_not_found, 410
  // channel_is_archived): the default reading keeps them as the reason.
  // A 404 (channel_not_found; no_service when the webhook was removed or its app uninstalled)
  // and a 410 (channel_is_archived, per Slack's 2016 changelog on incoming-webhook errors): the
  // webhook takes no message again until someone acts. 403 action_prohibited is a workspace
  // policy, not a dead webhook, and stays a failure of the one delivery.
  answer: { waitsOn429: true, gone: (status) => status === 404 || status === 410 },
  pacing: [{ count: 1, perMs: 1_000 }],
};
