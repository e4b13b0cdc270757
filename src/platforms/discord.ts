// Discord (Execute Webhook): one embed per event, cut to every documented limit, mentions
// disabled, `?wait=true` so Discord reports a message it did not save; its 429 body, its
// bucket headers and its error codes; 5 requests per 2 s and 30 a minute per webhook.

import { z } from "zod";
import type { Destination, EventEnvelope } from "../core/types.ts";
import { discordAttachments } from "../delivery/attachments.ts";
import { cut, OUTCOME_COLORS, summarize } from "../delivery/summary.ts";
import { renderLink, renderTemplate } from "../delivery/template.ts";
import { DIGEST_KEYS, MESSAGE_KEYS, SENDER_KEYS } from "./keys.ts";
import { commonOutcome, digestHeading, digestItem, takeFitting } from "./digest-lines.ts";
import { jsonRequest, parseJson, secondsToMs } from "./answers.ts";
import type { DigestFormatter, Platform } from "./platform.ts";

const HOSTS = new Set(["discord.com", "ptb.discord.com", "canary.discord.com", "discordapp.com", "ptb.discordapp.com", "canary.discordapp.com"]);

/** Discord's JSON error codes that mean the webhook is gone for good (platform-notes.md). */
const GONE_CODES = new Set([10015, 50027]);

export const DISCORD_LIMITS = {
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  total: 6000,
  username: 80,
} as const;

export interface DiscordEmbed {
  title: string;
  description?: string;
  url?: string;
  color: number;
  fields: Array<{ name: string; value: string; inline: boolean }>;
  footer: { text: string };
  timestamp: string;
}

export function formatDiscord(destination: Destination, envelope: EventEnvelope): { url: string; body: string | FormData } {
  const embed = discordEmbed(destination, envelope);
  const payload = discordPayload(destination, [embed]);
  const url = withWait(destination.url);
  const files = destination.presentation.attach ? discordAttachments(envelope.data) : [];
  if (files.length === 0) return { url, body: JSON.stringify(payload) };

  payload.attachments = files.map((file, id) => ({ id, filename: file.filename, description: file.description }));
  const form = new FormData();
  form.append("payload_json", JSON.stringify(payload));
  files.forEach((file, i) => form.append(`files[${i}]`, new Blob([file.bytes], { type: file.contentType }), file.filename));
  return { url, body: form };
}

/** The message around its embeds: mentions locked, the destination's sender name and picture. */
export function discordPayload(destination: Destination, embeds: unknown[]): Record<string, unknown> {
  const payload: Record<string, unknown> = { embeds, allowed_mentions: { parse: [] } };
  const { username, avatarUrl } = destination.presentation;
  if (username) payload.username = cut(username, DISCORD_LIMITS.username);
  if (avatarUrl) payload.avatar_url = avatarUrl;
  return payload;
}

export function discordEmbed(destination: Destination, envelope: EventEnvelope): DiscordEmbed {
  const summary = summarize(envelope);
  const { title, description, resultsUrl } = destination.presentation;
  const link = resultsUrl ? renderLink(resultsUrl, envelope) : summary.url;
  const embed: DiscordEmbed = {
    title: cut(escapeMarkdown(title ? renderTemplate(title, envelope) : summary.title) || envelope.event, DISCORD_LIMITS.title),
    color: OUTCOME_COLORS[summary.outcome],
    fields: summary.fields.slice(0, DISCORD_LIMITS.fields).map((field) => ({
      name: cut(escapeMarkdown(field.name) || "-", DISCORD_LIMITS.fieldName),
      value: cut(escapeMarkdown(field.value) || "-", DISCORD_LIMITS.fieldValue),
      inline: field.inline,
    })),
    footer: { text: cut(`herald · ${envelope.event}`, DISCORD_LIMITS.footer) },
    timestamp: envelope.timestamp,
  };
  if (description) embed.description = cut(escapeMarkdown(renderTemplate(description, envelope)), DISCORD_LIMITS.description);
  if (link) embed.url = link;
  return fitTotal(embed);
}

/** Keeps the embed within Discord's 6000-character total by dropping fields from the end, then cutting the description. */
function fitTotal(embed: DiscordEmbed): DiscordEmbed {
  const total = () => embedChars(embed);
  while (total() > DISCORD_LIMITS.total && embed.fields.length > 0) embed.fields.pop();
  if (total() > DISCORD_LIMITS.total && embed.description) {
    embed.description = cut(embed.description, Math.max(1, embed.description.length - (total() - DISCORD_LIMITS.total)));
  }
  return embed;
}

/** The characters of an embed that count toward Discord's 6000 per message. */
export function embedChars(embed: Partial<DiscordEmbed>): number {
  return (embed.title?.length ?? 0) + (embed.description?.length ?? 0) + (embed.footer?.text.length ?? 0) + (embed.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0);
}

/** A bare link: escaping it would put backslashes into the URL Discord links to. */
const PLAIN_LINK = /^https?:\/\/[^\s<>@`\\]+$/;

/** Event data is shown literally: markdown and mention syntax are escaped (bare links need none). */
export function escapeMarkdown(text: string): string {
  if (PLAIN_LINK.test(text)) return text;
  return text.replace(/([\\*_~`|[\]<@])/g, "\\$1").replace(/^([#>-])/gm, "\\$1");
}

export function withWait(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("wait", "true");
  return parsed.toString();
}

/**
 * A backed-up lane's message: up to 10 events as their own embeds, exactly as each would look
 * alone; more than that as a list, one line per event, over as many embeds as Discord's
 * 4,096-character description and 6,000-character message allow.
 */
const discordDigest: DigestFormatter = {
  maxEvents: 100,
  format({ destination, envelopes }) {
    const url = withWait(destination.url);
    if (envelopes.length <= 10) {
      const embeds = envelopes.map((envelope) => discordEmbed(destination, envelope));
      if (embeds.reduce((sum, embed) => sum + embedChars(embed), 0) <= DISCORD_LIMITS.total) {
        return { request: jsonRequest(url, JSON.stringify(discordPayload(destination, embeds))), count: embeds.length };
      }
    }
    const { embeds, count } = listEmbeds(envelopes);
    return { request: jsonRequest(url, JSON.stringify(discordPayload(destination, embeds))), count };
  },
};

const LIST_FOOTER = "herald · digest";

function listEmbeds(envelopes: EventEnvelope[]): { embeds: Array<Partial<DiscordEmbed>>; count: number } {
  const items = envelopes.map(digestItem);
  const lines = items.map((item) => `• ${escapeMarkdown(item.label)}${item.url ? ` ${item.url}` : ""}`);
  // The heading's length for the most events it could name bounds it for fewer.
  const budget = DISCORD_LIMITS.total - cut(digestHeading(envelopes), DISCORD_LIMITS.title).length - LIST_FOOTER.length;
  const groups: Array<{ lines: string[]; length: number }> = [{ lines: [], length: 0 }];
  let used = 0;
  const count = takeFitting(lines, (line) => {
    let group = groups[groups.length - 1]!;
    if (group.length + (group.lines.length > 0 ? 1 : 0) + line.length > DISCORD_LIMITS.description) {
      if (groups.length === 10) return false;
      groups.push((group = { lines: [], length: 0 }));
    }
    const cost = line.length + (group.lines.length > 0 ? 1 : 0);
    if (used + cost > budget) return false;
    used += cost;
    group.length += cost;
    group.lines.push(line);
    return true;
  });
  const carried = envelopes.slice(0, count);
  const color = OUTCOME_COLORS[commonOutcome(items.slice(0, count))];
  const embeds: Array<Partial<DiscordEmbed>> = groups.map((group) => ({ description: group.lines.join("\n"), color }));
  Object.assign(embeds[0]!, { title: cut(digestHeading(carried), DISCORD_LIMITS.title) });
  Object.assign(embeds[embeds.length - 1]!, { footer: { text: LIST_FOOTER }, timestamp: carried[count - 1]!.timestamp });
  return { embeds, count };
}

export const discord: Platform = {
  type: "discord",
  detect: (url) => HOSTS.has(url.hostname) && /^\/api\/(v\d+\/)?webhooks\//.test(url.pathname),
  ownsHost: (hostname) => HOSTS.has(hostname),
  // The legacy discordapp.com host still works but is deprecated: send to discord.com.
  canonicalUrl(url) {
    if (!HOSTS.has(url.hostname) || !url.hostname.endsWith("discordapp.com")) return url;
    const moved = new URL(url);
    moved.hostname = url.hostname.replace(/discordapp\.com$/, "discord.com");
    return moved;
  },
  keys: { ...SENDER_KEYS, ...MESSAGE_KEYS, ...DIGEST_KEYS, attach: z.boolean().optional() },
  signed: false,
  inline: true,
  format: ({ destination, envelope }) => {
    const { url, body } = formatDiscord(destination, envelope);
    return typeof body === "string" ? jsonRequest(url, body) : { url, headers: {}, body };
  },
  digest: discordDigest,
  answer: {
    waitsOn429: true,
    // {"retry_after": <seconds, float>, "global": bool}; preferred over the header.
    retryAfterMs: (body) => secondsToMs((parseJson(body) as { retry_after?: unknown } | undefined)?.retry_after),
    pauseMs(headers) {
      if (headers.get("x-ratelimit-remaining") !== "0") return undefined;
      const resetAfter = Number(headers.get("x-ratelimit-reset-after"));
      return Number.isFinite(resetAfter) && resetAfter > 0 ? Math.ceil(resetAfter * 1000) : undefined;
    },
    // 10015 unknown webhook (deleted), 50027 invalid webhook token (regenerated): both final.
    gone: (status, body) => (status === 404 || status === 401) && GONE_CODES.has(Number((parseJson(body) as { code?: unknown } | undefined)?.code)),
    reason(body) {
      const parsed = parseJson(body) as { code?: unknown; message?: unknown } | undefined;
      return parsed?.code !== undefined ? `Discord error ${String(parsed.code)} (${String(parsed.message ?? "")})` : undefined;
    },
  },
  // Discord limits a webhook to about 5 requests per 2 s and a channel to about 30 messages a
  // minute (platform-notes.md); Herald keeps each webhook under both.
  pacing: [
    { count: 5, perMs: 2_000 },
    { count: 30, perMs: 60_000 },
  ],
};
