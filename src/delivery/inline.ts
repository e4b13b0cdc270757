// Producer-given webhooks ("webhook" in a published event) become destinations with the
// [delivery] defaults. Their name, "inline:<host>#<hash>", tells webhooks apart (each gets its
// own concurrency and rate lane) without exposing the URL's path, which may hold a token.

import { createHash } from "node:crypto";
import { canonicalWebhookUrl, platformOf } from "../platforms/registry.ts";
import { DEFAULT_SIGNATURE_HEADER, type DeliveryPolicy, type Destination, type InlineTarget } from "../core/types.ts";

export function inlineDestinationName(url: string): string {
  const digest = createHash("sha256").update(url).digest("hex").slice(0, 8);
  return `inline:${new URL(url).host}#${digest}`;
}

export const isInlineDestination = (name: string) => name.startsWith("inline:");

/**
 * The name metrics and operational events count a destination under: every inline webhook is
 * "inline", so a producer cannot mint a metric series or an alert stream per URL.
 */
export const destinationGroup = (name: string) => (isInlineDestination(name) ? "inline" : name);

/** The host part of an inline destination's name ("inline:discord.com#ab12cd34" -> "discord.com"). */
export function inlineHost(name: string): string {
  return isInlineDestination(name) ? (name.slice("inline:".length).split("#")[0] ?? "") : "";
}

export function inlineDestination(target: InlineTarget, defaults: DeliveryPolicy): Destination {
  const url = canonicalWebhookUrl(target.url);
  const platform = platformOf(target.type);
  const secrets = platform.signed && target.secret ? [target.secret] : [];
  return {
    name: inlineDestinationName(url),
    type: target.type,
    url,
    secrets,
    signature: secrets.length > 0 ? (target.signature ?? "sha256") : "none",
    signatureHeader: target.signatureHeader ?? DEFAULT_SIGNATURE_HEADER,
    headers: {},
    ordered: false,
    // Never paused or disabled: an inline webhook is one producer's, and no state is kept for it.
    paused: false,
    policy: defaults,
    // The Spider seed attaches page HTML and screenshots to Discord messages: inline
    // destinations attach whatever their platform can.
    presentation: { attach: "attach" in platform.keys },
    bodyMode: "envelope",
    options: {},
    credentials: [],
  };
}
