// Destination type detection from a webhook URL, and the URL rewrites platforms need.

import type { DestinationType } from "./types.ts";

const DISCORD_HOSTS = new Set(["discord.com", "ptb.discord.com", "canary.discord.com", "discordapp.com", "ptb.discordapp.com", "canary.discordapp.com"]);

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/**
 * The platform a host belongs to, for pacing an inline destination before its row (and so its
 * full URL) is read: Discord and Slack hosts get those platforms' rate limits.
 */
export function platformOfHost(host: string): DestinationType {
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  if (DISCORD_HOSTS.has(hostname)) return "discord";
  if (hostname === "hooks.slack.com") return "slack";
  return "custom";
}

export function isDiscordWebhookUrl(url: string): boolean {
  const parsed = parse(url);
  return !!parsed && DISCORD_HOSTS.has(parsed.hostname) && /^\/api\/(v\d+\/)?webhooks\//.test(parsed.pathname);
}

export function isSlackWebhookUrl(url: string): boolean {
  const parsed = parse(url);
  return !!parsed && parsed.hostname === "hooks.slack.com";
}

/** A discord.com/api/webhooks/ or hooks.slack.com URL names its platform; anything else is custom. */
export function detectDestinationType(url: string): DestinationType {
  if (isDiscordWebhookUrl(url)) return "discord";
  if (isSlackWebhookUrl(url)) return "slack";
  return "custom";
}

/** The legacy discordapp.com host still works but is deprecated: send to discord.com. */
export function canonicalWebhookUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed || !parsed.hostname.endsWith("discordapp.com") || !DISCORD_HOSTS.has(parsed.hostname)) return url;
  parsed.hostname = parsed.hostname.replace(/discordapp\.com$/, "discord.com");
  return parsed.toString();
}
