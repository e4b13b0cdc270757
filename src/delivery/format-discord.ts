// Discord Execute Webhook payloads: one embed per event, cut to every documented limit,
// mentions disabled, `?wait=true` so Discord reports a message it did not save.

import type { Destination, EventEnvelope } from "../core/types.ts";
import { discordAttachments } from "./attachments.ts";
import { cut, OUTCOME_COLORS, summarize } from "./summary.ts";
import { renderLink, renderTemplate } from "./template.ts";

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

export interface FormattedPlatformRequest {
  url: string;
  body: string | FormData;
}

export function formatDiscord(destination: Destination, envelope: EventEnvelope): FormattedPlatformRequest {
  const embed = discordEmbed(destination, envelope);
  const payload: Record<string, unknown> = { embeds: [embed], allowed_mentions: { parse: [] } };
  const { username, avatarUrl } = destination.presentation;
  if (username) payload.username = cut(username, DISCORD_LIMITS.username);
  if (avatarUrl) payload.avatar_url = avatarUrl;

  const url = withWait(destination.url);
  const files = destination.presentation.attach ? discordAttachments(envelope.data) : [];
  if (files.length === 0) return { url, body: JSON.stringify(payload) };

  payload.attachments = files.map((file, id) => ({ id, filename: file.filename, description: file.description }));
  const form = new FormData();
  form.append("payload_json", JSON.stringify(payload));
  files.forEach((file, i) => form.append(`files[${i}]`, new Blob([file.bytes], { type: file.contentType }), file.filename));
  return { url, body: form };
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
  const total = () =>
    embed.title.length + (embed.description?.length ?? 0) + embed.footer.text.length + embed.fields.reduce((sum, f) => sum + f.name.length + f.value.length, 0);
  while (total() > DISCORD_LIMITS.total && embed.fields.length > 0) embed.fields.pop();
  if (total() > DISCORD_LIMITS.total && embed.description) {
    embed.description = cut(embed.description, Math.max(1, embed.description.length - (total() - DISCORD_LIMITS.total)));
  }
  return embed;
}

/** A bare link: escaping it would put backslashes into the URL Discord links to. */
const PLAIN_LINK = /^https?:\/\/[^\s<>@`\\]+$/;

/** Event data is shown literally: markdown and mention syntax are escaped (bare links need none). */
export function escapeMarkdown(text: string): string {
  if (PLAIN_LINK.test(text)) return text;
  return text.replace(/([\\*_~`|[\]<@])/g, "\\$1").replace(/^([#>-])/gm, "\\$1");
}

function withWait(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("wait", "true");
  return parsed.toString();
}
