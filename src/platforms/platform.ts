// What Herald knows about one destination platform, in one value: how its URLs look, which
// config keys it takes, how a message is built, how its answers are read and how fast it may
// be sent to. Each platform module exports one; registry.ts lists them.

import type { z } from "zod";
import type { Destination, EventEnvelope } from "../core/types.ts";
import type { Rate } from "../core/units.ts";

/** The request a platform builds for one attempt, before Herald's tracing headers are added. */
export interface FormattedRequest {
  url: string;
  headers: Record<string, string>;
  body: string | FormData;
}

/** What a formatter may read: the destination, the event and, for signing, the attempt's facts. */
export interface FormatInput {
  destination: Destination;
  envelope: EventEnvelope;
  eventId: string;
  /** A source event's body as the provider sent it (custom destinations with body = "original"). */
  rawBody?: string;
  now: number;
}

/** How the platform's answers are read (classify.ts applies these). */
export interface AnswerReading {
  /** True: a 429 is waited out without spending an attempt. False: it is retried like a 5xx. */
  waitsOn429: boolean;
  /** The wait a 429 asks for, from the body (Discord's and Telegram's retry_after), in ms. */
  retryAfterMs?(body: string): number | undefined;
  /** The wait after a 429 that names none (no body value, no Retry-After). Default 1 s. */
  fallbackWaitMs?: number;
  /** After any answer: pause the destination this long (Discord's empty bucket). */
  pauseMs?(headers: Headers): number | undefined;
  /** The platform's own words for a failure, from its body; undefined: the body's first 200 characters. */
  reason?(body: string): string | undefined;
  /**
   * Does this (final, non-2xx) answer say the webhook no longer exists? Then the destination is
   * disabled, not just this delivery failed. A 410 means that on every platform (classify.ts).
   */
  gone?(status: number, body: string): boolean;
  /** The status the answer really means, for platforms that report errors in a 2xx body. */
  statusOf?(status: number, body: string): number;
}

/** A digest: one message carrying several events of a backed-up lane, in arrival order. */
export interface DigestInput {
  destination: Destination;
  envelopes: EventEnvelope[];
}

export interface DigestFormatter {
  /** The most events one message may carry; the scheduler claims no more than this. */
  maxEvents: number;
  /** One message with as many of `envelopes`, from the first, as fit the platform's limits (at least one). */
  format(input: DigestInput): { request: FormattedRequest; count: number };
}

export interface Platform {
  /** The `type` in the config and in inline webhooks. */
  type: string;
  /** Is this URL one of this platform's webhooks? Only platforms with fixed hosts say yes. */
  detect?(url: URL): boolean;
  /** Does this host belong to the platform (pacing an inline destination before its row is read)? */
  ownsHost?(hostname: string): boolean;
  /** The URL to send to, when the platform moved (discordapp.com -> discord.com). */
  canonicalUrl?(url: URL): URL;
  /** The destination keys only some platforms take, with their schemas (registry.ts merges them). */
  keys: z.ZodRawShape;
  /** Custom destinations are signed; chat platforms refuse `secret` and `signature`. */
  signed: boolean;
  /** May producers name this type in an inline `webhook` (false when it needs config keys)? */
  inline: boolean;
  /** Checks that span this platform's keys and URL; each problem names its key. */
  check?(destination: Pick<Destination, "url" | "options">, problem: (key: string, message: string) => void): void;
  /** Strings of a configured destination that must never be shown, beyond its URL (tokens). */
  credentials?(destination: Pick<Destination, "url" | "options">): string[];
  format(input: FormatInput): FormattedRequest;
  /** Chat platforms: how a backed-up lane coalesces (src/scheduler/digest.ts); absent: never digested. */
  digest?: DigestFormatter;
  answer: AnswerReading;
  /** Default pacing per destination, under the platform's documented limits. */
  pacing: Rate[];
}
