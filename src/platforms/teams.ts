// Microsoft Teams through a Workflows "post to a channel when a webhook request is received"
// flow: one Adaptive Card (1.4) per event, with a coloured heading, a FactSet of the task's
// fields, a link and the event time, kept well under the ~28 KB message limit. The flow's
// URL carries its signature (`sig`): a credential everywhere.

import { cut, OUTCOME_EMOJI, type Outcome } from "../delivery/summary.ts";
import { googleStyleReason, jsonRequest } from "./answers.ts";
import { commonOutcome, digestHeading, emojiLine, fitDigest } from "./digest-lines.ts";
import { DIGEST_KEYS, MESSAGE_KEYS } from "./keys.ts";
import { fitMessage, jsonBytes, messageParts } from "./message.ts";
import type { DigestFormatter, Platform } from "./platform.ts";
import type { Destination, EventEnvelope } from "../core/types.ts";

/** `bytes`: the card's budget, below the documented ~28 KB, since posts fail at about 21 KB in practice. */
export const TEAMS_LIMITS = { bytes: 20_000, title: 256, factTitle: 256, factValue: 1024, description: 4096, facts: 25 } as const;

/** Adaptive Card text colours by outcome. */
const COLORS: Record<Outcome, string> = { success: "Good", failure: "Attention", warning: "Warning", started: "Accent", info: "Accent" };

const WORKFLOW_HOST = /(^|\.)(logic\.azure\.com|powerplatform\.com|powerautomate\.com)$/;

export function teamsMessage(destination: Destination, envelope: EventEnvelope): Record<string, unknown> {
  const parts = messageParts(destination, envelope);
  const { summary } = parts;
  const facts = summary.fields.slice(0, TEAMS_LIMITS.facts).map((field) => ({ title: cut(field.name, TEAMS_LIMITS.factTitle), value: cut(field.value, TEAMS_LIMITS.factValue) }));
  const render = (kept: typeof facts, description?: string) => {
    const body: unknown[] = [{ type: "TextBlock", text: `${OUTCOME_EMOJI[summary.outcome]} ${cut(parts.heading, TEAMS_LIMITS.title)}`, weight: "Bolder", size: "Medium", color: COLORS[summary.outcome], wrap: true }];
    if (description !== undefined) body.push({ type: "TextBlock", text: description, wrap: true });
    if (kept.length > 0) body.push({ type: "FactSet", facts: kept });
    body.push({ type: "TextBlock", text: parts.footer, isSubtle: true, size: "Small", wrap: true });
    return cardMessage(body, parts.link ? [{ type: "Action.OpenUrl", title: parts.linkLabel, url: parts.link }] : undefined);
  };
  const description = parts.description === undefined ? undefined : cut(parts.description, TEAMS_LIMITS.description);
  return fitMessage(facts, description, render, jsonBytes, TEAMS_LIMITS.bytes);
}

/** The Workflows message around one Adaptive Card. */
function cardMessage(body: unknown[], actions?: unknown[]): Record<string, unknown> {
  const card: Record<string, unknown> = { $schema: "http://adaptivecards.io/schemas/adaptive-card.json", type: "AdaptiveCard", version: "1.4", body };
  if (actions) card.actions = actions;
  return { type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }] };
}

/** A backed-up flow's card: a coloured heading and one text line per event, within the card budget. */
const teamsDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const { rendered, count } = fitDigest(
      envelopes,
      (carried, items) =>
        cardMessage([
          { type: "TextBlock", text: digestHeading(carried), weight: "Bolder", size: "Medium", color: COLORS[commonOutcome(items)], wrap: true },
          ...items.map((item) => ({ type: "TextBlock", text: emojiLine(item, (text) => text), wrap: true, spacing: "None" })),
        ]),
      jsonBytes,
      TEAMS_LIMITS.bytes,
    );
    return { request: jsonRequest(destination.url, JSON.stringify(rendered)), count };
  },
};

export const teams: Platform = {
  type: "teams",
  detect: (url) => WORKFLOW_HOST.test(url.hostname) && url.pathname.includes("/workflows/"),
  ownsHost: (hostname) => WORKFLOW_HOST.test(hostname),
  keys: { ...MESSAGE_KEYS, ...DIGEST_KEYS },
  signed: false,
  inline: true,
  credentials: ({ url }) => [new URL(url).searchParams.get("sig") ?? ""].filter((sig) => sig.length >= 8),
  format: ({ destination, envelope }) => jsonRequest(destination.url, JSON.stringify(teamsMessage(destination, envelope))),
  digest: teamsDigest,
  answer: {
    // Workflows throttle with 429 and Retry-After.
    waitsOn429: true,
    // Logic Apps errors: {"error": {"code": "WorkflowNotFound", "message": "..."}}.
    reason: googleStyleReason,
    // The retired Office 365 connectors answered 200 with "Microsoft Teams endpoint returned
    // HTTP error 429" in the body; a flow that relays such a text is read the same way.
    statusOf(status, body) {
      const relayed = /returned HTTP error (\d{3})/.exec(body.slice(0, 500));
      return status >= 200 && status < 300 && relayed ? Number(relayed[1]) : status;
    },
  },
  // Teams throttles a webhook above about 4 requests a second; the Workflows Teams connector
  // allows 100 calls a minute per connection.
  pacing: [
    { count: 4, perMs: 1_000 },
    { count: 100, perMs: 60_000 },
  ],
};
