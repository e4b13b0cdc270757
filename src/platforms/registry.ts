// Every platform Herald can deliver to, and the questions the rest of the code asks about
// them: which type a URL is, which platform a type names, which keys a type takes. Adding a
// platform is one module in this folder and one line in PLATFORMS.

import type { z } from "zod";
import { custom } from "./custom.ts";
import { discord } from "./discord.ts";
import { googleChat } from "./google-chat.ts";
import { ntfy } from "./ntfy.ts";
import type { Platform } from "./platform.ts";
import { slack } from "./slack.ts";
import { teams } from "./teams.ts";
import { telegram } from "./telegram.ts";

/** In detection order; custom last, as the fallback. */
export const PLATFORMS: readonly Platform[] = [discord, slack, telegram, teams, googleChat, ntfy, custom];

/** The `type` values, for the config and inline-webhook schemas. */
export const PLATFORM_TYPES = PLATFORMS.map((platform) => platform.type) as [string, ...string[]];

/** The types a producer may name in an inline webhook. */
export const INLINE_TYPES = PLATFORMS.filter((platform) => platform.inline).map((platform) => platform.type) as [string, ...string[]];

const byType = new Map(PLATFORMS.map((platform) => [platform.type, platform]));

/** The platform of a type; an unknown type (a row written by a newer Herald) is sent as custom. */
export function platformOf(type: string): Platform {
  return byType.get(type) ?? custom;
}

function parse(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

/** The type a URL names by its host and path; anything unrecognised is custom. */
export function detectDestinationType(url: string): string {
  const parsed = parse(url);
  return (parsed && PLATFORMS.find((platform) => platform.detect?.(parsed))?.type) ?? custom.type;
}

/**
 * The platform a host belongs to, for pacing an inline destination before its row (and so its
 * full URL) is read: Discord's and Slack's hosts get those platforms' rate limits.
 */
export function platformOfHost(host: string): string {
  const hostname = host.replace(/:\d+$/, "").toLowerCase();
  return PLATFORMS.find((platform) => platform.ownsHost?.(hostname))?.type ?? custom.type;
}

/** The URL to send to (platforms that moved hosts rewrite it); anything unparsable is left alone. */
export function canonicalWebhookUrl(url: string): string {
  const parsed = parse(url);
  if (!parsed) return url;
  for (const platform of PLATFORMS) {
    const moved: URL | undefined = platform.canonicalUrl?.(parsed);
    if (moved && moved !== parsed) return moved.toString();
  }
  return url;
}

/** Every platform's own destination keys, merged: a key shared by platforms has one schema. */
export const PLATFORM_KEYS: z.ZodRawShape = Object.assign({}, ...PLATFORMS.map((platform) => platform.keys));

/** The types that take a key, for "applies to ... destinations only". */
export function typesTaking(key: string): string[] {
  return PLATFORMS.filter((platform) => key in platform.keys).map((platform) => platform.type);
}
