// The validated config in the form the rest of Herald uses: units resolved, defaults merged
// into each destination, secrets gathered for redaction.

import type { DeliveryPolicy, Destination, Route, Source } from "../core/types.ts";
import type { SecurityPolicy } from "../core/url-policy.ts";

/** `[storage]`: a SQLite file (path, absolute) or a PostgreSQL server (url); exactly one is set. */
export type StorageConfig = { path: string; url?: undefined; synchronous: "full" | "normal" } | { url: string; path?: undefined; synchronous: "full" | "normal" };

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface RuntimeConfig {
  /** The file it was read from, for SIGHUP reloads and messages. */
  sourcePath: string;
  server: { host: string; port: number; maxBodyBytes: number; shutdownGraceMs: number };
  storage: StorageConfig;
  auth: { publishTokens: string[]; adminTokens: string[] };
  defaults: DeliveryPolicy;
  security: SecurityPolicy;
  /** The SSRF guard's DNS lookups: where they go, how long they may take, how many run at once (inline ones). */
  lookups: { servers: string[]; timeoutMs: number; inlineInFlight: number };
  /** Caps on the distinct inline webhook hosts one event and one batch may name. */
  inline: { hostsPerRequest: number; hostsPerBatch: number };
  log: { level: LogLevel };
  /** Herald's own events about failing deliveries and destinations (off by default). */
  operationalEvents: { enabled: boolean; failingAfter: number };
  /** The bearer token /metrics asks for; undefined when it is open. */
  metrics: { token?: string };
  /** The pages at /ui (docs/dashboard.md); behind the admin tokens like the admin API. */
  dashboard: { enabled: boolean };
  destinations: Map<string, Destination>;
  routes: Route[];
  /** Inbound endpoints for providers' webhooks, in config order. */
  sources: Source[];
  /** Every secret and webhook URL in the config, so logs and errors can scrub them. */
  sensitive: string[];
}

export interface ConfigProblem {
  /** Key path as a user writes it: `destinations[1].url`. */
  path: string;
  message: string;
}

export type ConfigResult = { ok: true; config: RuntimeConfig } | { ok: false; problems: ConfigProblem[] };
