// The effective config as plain values, named like the config file's keys: what `herald check
// --json` prints and what its text columns are drawn from. Every URL is redacted and secrets are
// only counted, so the view is safe to paste into a ticket.

import { redactStorageUrl, redactUrl } from "../core/redact.ts";
import type { DeliveryPolicy, Destination, MatchOperators, MatchValue, Route, Source } from "../core/types.ts";
import { formatDuration } from "../core/units.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { platformOf } from "../platforms/registry.ts";
import { effectiveRates } from "../scheduler/pacer.ts";

export interface PolicyView {
  timeout: string;
  max_attempts: number;
  backoff: string[];
  jitter: number;
  max_age: string;
  concurrency: number;
  retention: string;
  disable_after_failures: number;
}

export interface DestinationView {
  name: string;
  type: string;
  url: string;
  /** The scheme a custom destination signs with ("none": unsigned); null for chat types, which do not sign. */
  signature: string | null;
  signature_header: string | null;
  secrets: number;
  rate_limits: string[];
  /** True when the rates are the platform's defaults rather than `rate_limit`. */
  rate_limit_default: boolean;
  ordered: boolean;
  /** `paused = true` in the config. */
  paused: boolean;
  /** What a custom destination's body is (`body`, or `body_template`); null for chat types. */
  body: "envelope" | "original" | "template" | null;
  /** The [delivery] keys this destination overrides. */
  overrides: Partial<PolicyView>;
}

export interface RouteView {
  name: string;
  events: string[];
  sources: string[] | null;
  /** The plain form as `values` (any of), the operator form as `operators`, as configured. */
  match: Array<{ path: string; values: MatchValue[] } | { path: string; operators: MatchOperators }>;
  to: string[];
}

export interface SourceView {
  name: string;
  path: string;
  verify: string;
  header: string | null;
  secrets: number;
  /** Where the event name comes from. */
  event: { field: string } | { header: string } | { rules: number } | { name: string };
  id_from: string[];
  /** Without id_from, timestamped and standard sources drop replays of a signed request. */
  replays_dropped: boolean;
}

export interface ConfigView {
  config: string;
  valid: true;
  server: { listen: string; max_body_bytes: number; shutdown_grace: string };
  /** path (SQLite) or url (PostgreSQL, without its password). */
  storage: { path?: string; url?: string; synchronous: string };
  auth: { publish_tokens: number; admin_tokens: number };
  delivery: PolicyView;
  operational_events: { enabled: boolean; failing_after: number };
  security: { allow_http: boolean; allow_private_networks: boolean; allowed_hosts: string[] };
  destinations: DestinationView[];
  routes: RouteView[];
  sources: SourceView[];
}

export function configView(config: RuntimeConfig): ConfigView {
  const { server, storage, auth, defaults, security } = config;
  return {
    config: config.sourcePath,
    valid: true,
    server: { listen: `${server.host}:${server.port}`, max_body_bytes: server.maxBodyBytes, shutdown_grace: formatDuration(server.shutdownGraceMs) },
    storage: storage.url === undefined ? { path: storage.path, synchronous: storage.synchronous } : { url: redactStorageUrl(storage.url), synchronous: storage.synchronous },
    auth: { publish_tokens: auth.publishTokens.length, admin_tokens: auth.adminTokens.length },
    delivery: policyView(defaults),
    operational_events: { enabled: config.operationalEvents.enabled, failing_after: config.operationalEvents.failingAfter },
    security: { allow_http: security.allowHttp, allow_private_networks: security.allowPrivateNetworks, allowed_hosts: security.allowedHosts },
    destinations: [...config.destinations.values()].map((d) => destinationView(d, defaults)),
    routes: config.routes.map(routeView),
    sources: config.sources.map(sourceView),
  };
}

export function policyView(p: DeliveryPolicy): PolicyView {
  return {
    timeout: formatDuration(p.timeoutMs),
    max_attempts: p.maxAttempts,
    backoff: p.backoffMs.map(formatDuration),
    jitter: p.jitter,
    max_age: formatDuration(p.maxAgeMs),
    concurrency: p.concurrency,
    retention: formatDuration(p.retentionMs),
    disable_after_failures: p.disableAfterFailures,
  };
}

function destinationView(d: Destination, defaults: DeliveryPolicy): DestinationView {
  const custom = platformOf(d.type).signed;
  const own = policyView(d.policy);
  const inherited = policyView(defaults);
  const overrides = Object.fromEntries(Object.entries(own).filter(([key, value]) => JSON.stringify(value) !== JSON.stringify(inherited[key as keyof PolicyView])));
  return {
    name: d.name,
    type: d.type,
    url: redactUrl(d.url),
    signature: custom ? d.signature : null,
    signature_header: custom && d.signature !== "none" ? (d.signature === "standard" ? "webhook-signature" : d.signatureHeader) : null,
    secrets: d.secrets.length,
    rate_limits: effectiveRates(d).map((rate) => `${rate.count}/${formatDuration(rate.perMs)}`),
    rate_limit_default: !d.rateLimit && effectiveRates(d).length > 0,
    ordered: d.ordered,
    paused: d.paused,
    body: custom ? (d.bodyTemplate ? "template" : d.bodyMode) : null,
    overrides,
  };
}

function routeView(r: Route): RouteView {
  return { name: r.name, events: r.events, sources: r.sources ?? null, match: r.match.map((m) => ("values" in m ? { path: m.path, values: m.values } : { path: m.path, operators: m.operators })), to: r.to };
}

function sourceView(source: Source): SourceView {
  const { naming } = source;
  const event = naming.field ? { field: naming.field } : naming.header ? { header: naming.header } : naming.rules.length > 0 ? { rules: naming.rules.length } : { name: naming.fixed ?? "" };
  return {
    name: source.name,
    path: source.path,
    verify: source.verify,
    header: source.verify === "none" ? null : source.header || null,
    secrets: source.secrets.length,
    event,
    id_from: source.idFrom,
    replays_dropped: source.idFrom.length === 0 && (source.verify === "timestamped" || source.verify === "standard"),
  };
}
