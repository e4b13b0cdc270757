// The plain values that flow between Herald's stages. No behaviour lives here.

import type { BodyTemplate } from "./body-template.ts";
import type { Rate } from "./units.ts";

/** A platform's `type` ("discord", "telegram", "custom", ...): src/platforms/registry.ts lists them. */
export type DestinationType = string;

export const SIGNATURE_SCHEMES = ["sha256", "timestamped", "standard", "none"] as const;
export type SignatureScheme = (typeof SIGNATURE_SCHEMES)[number];
/** Where sha256 and timestamped signatures go unless a destination names another header. */
export const DEFAULT_SIGNATURE_HEADER = "X-Herald-Signature";

export const DELIVERY_STATUSES = ["pending", "in_flight", "succeeded", "failed", "expired", "cancelled"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Retry and pacing settings, from [delivery] with a destination's overrides applied. */
export interface DeliveryPolicy {
  timeoutMs: number;
  maxAttempts: number;
  backoffMs: number[];
  jitter: number;
  maxAgeMs: number;
  concurrency: number;
  retentionMs: number;
  /** Deliveries ending failed or expired this many times in a row disable the destination; 0: never. */
  disableAfterFailures: number;
}

/** How a chat message looks, beyond the defaults. Templates use {data.field}. */
export interface Presentation {
  username?: string;
  avatarUrl?: string;
  /** Link to the results, e.g. "https://app.example.com/tasks/{data.task_id}". */
  resultsUrl?: string;
  title?: string;
  description?: string;
  /** Discord: send page HTML and base64 screenshots from `data` as file attachments. */
  attach: boolean;
}

/** A destination ready to send to: configured in the TOML file or given inline by a producer. */
export interface Destination {
  name: string;
  type: DestinationType;
  url: string;
  /** Newest first; several while keys rotate. */
  secrets: string[];
  signature: SignatureScheme;
  signatureHeader: string;
  headers: Record<string, string>;
  rateLimit?: Rate;
  ordered: boolean;
  /** `paused = true`: its deliveries wait (and still expire) until the key goes (core/destination-state.ts). */
  paused: boolean;
  policy: DeliveryPolicy;
  presentation: Presentation;
  /** What a custom destination receives: Herald's envelope, or a source event's original body. */
  bodyMode: "envelope" | "original";
  /** The platform's own keys as configured (`chat_id`, `token`, ...); its module reads them. */
  options: Readonly<Record<string, unknown>>;
  /** Strings the platform says must never be shown (a bot token inside the URL, an access token). */
  credentials: readonly string[];
  /** Custom only: replaces the envelope with the user's JSON shape (`body_template`). */
  bodyTemplate?: BodyTemplate;
}

/** A producer-supplied destination, stored with its delivery so retries can rebuild it. */
export interface InlineTarget {
  url: string;
  type: DestinationType;
  secret?: string;
  /** As the producer chose; rows stored before Herald took the choice have neither. */
  signature?: SignatureScheme;
  signatureHeader?: string;
}

export interface Route {
  name: string;
  events: string[];
  /** When set, only events received through these sources match. */
  sources?: string[];
  /** Every rule must hold. */
  match: MatchRule[];
  to: string[];
}

/** The event as producers publish it and as custom destinations receive it. */
export interface EventEnvelope {
  event: string;
  /** ISO 8601, normalised to UTC milliseconds. */
  timestamp: string;
  data: Record<string, unknown>;
}

/** How an inbound source proves a request came from the provider. */
export const VERIFY_SCHEMES = ["sha256", "timestamped", "standard", "github", "none"] as const;
export type VerifyScheme = (typeof VERIFY_SCHEMES)[number];

export type MatchValue = string | number | boolean;

/** The operators of a `match` table such as `{ gt = 100 }`; every one given must hold. */
export interface MatchOperators {
  not?: MatchValue[];
  exists?: boolean;
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
  prefix?: string;
  regex?: string;
}

/** A test of text in linear time (RE2), compiled once when the config is loaded. */
export interface TextPattern {
  test(text: string): boolean;
}

/**
 * One `match` key: a dotted path into the event (or a source's body) and what its value must
 * be: equal to any of `values` (the plain form), or pass every one of `operators`.
 */
export type MatchRule =
  | { path: string; values: MatchValue[] }
  | { path: string; operators: MatchOperators; pattern?: TextPattern };

export interface EventRule {
  /** The rule applies when this body path is present (and not null)... */
  has?: string;
  /** ...and every one of these matches. */
  match: MatchRule[];
  event: string;
}

/** An inbound endpoint for a provider's webhooks (`[[sources]]`). */
export interface Source {
  name: string;
  path: string;
  verify: VerifyScheme;
  /** The signature header for sha256, timestamped and github. */
  header: string;
  /** Newest first; a request signed with any of them is accepted. */
  secrets: string[];
  toleranceMs: number;
  naming: { fixed?: string; field?: string; header?: string; rules: EventRule[] };
  /** Parts of the deduplication key: "event", "header:Name", or a dotted body path. */
  idFrom: string[];
  dataField?: string;
  timestampField?: string;
}
