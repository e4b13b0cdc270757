// Checks that span several keys, then the resolved RuntimeConfig. Each problem carries the
// key path; no message repeats a URL or a secret, since those are credentials.

import { dirname, resolve } from "node:path";
import { canonicalWebhookUrl, detectDestinationType, PLATFORM_KEYS, platformOf, typesTaking } from "../platforms/registry.ts";
import type { DeliveryPolicy, Destination, Route } from "../core/types.ts";
import { checkUrl, type SecurityPolicy } from "../core/url-policy.ts";
import { isLoopbackAddress, parseCidr, parseIp } from "../core/addresses.ts";
import { destinationCredentials, storageUrlCredentials } from "../core/redact.ts";
import { checkStandardSecrets } from "../core/standard-secret.ts";
import { compileBodyTemplate, type BodyTemplate } from "../core/body-template.ts";
import { reservedHeaderReason } from "./fields.ts";
import type { ParsedConfig, ParsedDestination } from "./schema.ts";
import { matchRules } from "./match-rules.ts";
import { resolveSources } from "./sources.ts";
import type { ConfigProblem, ConfigResult, RuntimeConfig, StorageConfig } from "./runtime.ts";


export function resolveConfig(parsed: ParsedConfig, sourcePath: string): ConfigResult {
  const problems: ConfigProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ path, message });

  const defaults = toPolicy(parsed.delivery);
  const security: SecurityPolicy = {
    allowHttp: parsed.security.allow_http,
    allowPrivateNetworks: parsed.security.allow_private_networks,
    allowedHosts: parsed.security.allowed_hosts,
  };
  parsed.security.allowed_hosts.forEach((entry, i) => {
    const looksLikeAddress = entry.includes("/") || parseIp(entry) !== undefined;
    if (looksLikeAddress ? !parseCidr(entry) : !/^[A-Za-z0-9.-]+$/.test(entry)) {
      problem(`security.allowed_hosts[${i}]`, `"${entry}" is neither a host name nor a CIDR`);
    }
  });

  if (parsed.auth.publish_tokens.length === 0 && !isLoopback(parsed.server.listen.host)) {
    problem("auth.publish_tokens", `is empty, which means no authentication; that is only allowed when server.listen is a loopback address, not ${parsed.server.listen.host}`);
  }

  const destinations = new Map<string, Destination>();
  parsed.destinations.forEach((entry, i) => {
    const path = `destinations[${i}]`;
    if (destinations.has(entry.name)) {
      problem(`${path}.name`, `"${entry.name}" is already used by another destination`);
      return;
    }
    const destination = resolveDestination(entry, defaults, security, (key, message) => problem(`${path}.${key}`, message));
    if (destination) destinations.set(entry.name, destination);
  });

  const routeNames = new Set<string>();
  const routes: Route[] = parsed.routes.map((entry, i) => {
    const path = `routes[${i}]`;
    if (routeNames.has(entry.name)) problem(`${path}.name`, `"${entry.name}" is already used by another route`);
    routeNames.add(entry.name);
    entry.to.forEach((name, j) => {
      if (!parsed.destinations.some((d) => d.name === name)) {
        problem(`${path}.to[${j}]`, `unknown destination "${name}"`);
      }
    });
    return toRoute(entry, i, problem);
  });

  const sources = resolveSources(parsed.sources, { loopback: isLoopback(parsed.server.listen.host), listen: parsed.server.listen.host }, problem);
  parsed.routes.forEach((entry, i) =>
    entry.sources?.forEach((name, j) => {
      if (!parsed.sources.some((s) => s.name === name)) problem(`routes[${i}].sources[${j}]`, `unknown source "${name}"`);
    }),
  );

  if (problems.length > 0) return { ok: false, problems };

  const sensitive = [
    ...parsed.auth.publish_tokens,
    ...parsed.auth.admin_tokens,
    ...(parsed.metrics.token === undefined ? [] : [parsed.metrics.token]),
    ...[...destinations.values()].flatMap(destinationCredentials),
    ...sources.flatMap((source) => source.secrets),
    ...(parsed.storage.url === undefined ? [] : storageUrlCredentials(parsed.storage.url)),
  ];
  const config: RuntimeConfig = {
    sourcePath,
    server: {
      host: parsed.server.listen.host,
      port: parsed.server.listen.port,
      maxBodyBytes: parsed.server.max_body,
      shutdownGraceMs: parsed.server.shutdown_grace,
    },
    storage: storageConfig(parsed.storage, sourcePath),
    auth: { publishTokens: parsed.auth.publish_tokens, adminTokens: parsed.auth.admin_tokens },
    defaults,
    security,
    lookups: { servers: parsed.security.dns_servers, timeoutMs: parsed.security.dns_timeout, inlineInFlight: parsed.security.inline_lookups_in_flight },
    inline: { hostsPerRequest: parsed.security.inline_hosts_per_request, hostsPerBatch: parsed.security.inline_hosts_per_batch },
    log: { level: parsed.log.level },
    operationalEvents: { enabled: parsed.operational_events.enabled, failingAfter: parsed.operational_events.failing_after },
    metrics: { token: parsed.metrics.token },
    dashboard: { enabled: parsed.dashboard.enabled },
    destinations,
    routes,
    sources,
    sensitive,
  };
  return { ok: true, config };
}

function resolveDestination(
  entry: ParsedDestination,
  defaults: DeliveryPolicy,
  security: SecurityPolicy,
  problem: (key: string, message: string) => void,
): Destination | undefined {
  const verdict = checkUrl(entry.url, security);
  if (!verdict.ok) {
    problem("url", verdict.reason);
    return undefined;
  }
  const url = canonicalWebhookUrl(entry.url);
  const type = entry.type ?? detectDestinationType(url);
  const platform = platformOf(type);
  const secrets = entry.secret === undefined ? [] : Array.isArray(entry.secret) ? entry.secret : [entry.secret];
  if (!platform.signed && secrets.length > 0) {
    problem("secret", `${type} destinations are not signed; a secret applies to custom destinations only`);
  }
  const signature = entry.signature ?? (secrets.length > 0 ? "sha256" : "none");
  if (signature !== "none" && secrets.length === 0) {
    problem("signature", `"${signature}" needs a secret`);
  }
  if (signature === "standard" && entry.secret !== undefined) checkStandardSecrets(entry.secret, problem);
  const options = platformOptions(entry, type, problem);
  platform.check?.({ url, options }, problem);
  const bodyTemplate = resolveBodyTemplate(options, problem);
  Object.keys(entry.headers).forEach((name) => {
    const reason = reservedHeaderReason(name);
    if (reason) problem(`headers."${name}"`, reason);
  });
  // The signature would replace (or be replaced by) that header: one of them would be lost.
  const clash = signature === "sha256" || signature === "timestamped" ? Object.keys(entry.headers).find((name) => name.toLowerCase() === entry.signature_header.toLowerCase()) : undefined;
  if (clash) problem("signature_header", `"${entry.signature_header}" is also set in headers."${clash}"; the signature would overwrite it`);
  const policy: DeliveryPolicy = {
    timeoutMs: entry.timeout ?? defaults.timeoutMs,
    maxAttempts: entry.max_attempts ?? defaults.maxAttempts,
    backoffMs: entry.backoff ?? defaults.backoffMs,
    jitter: entry.jitter ?? defaults.jitter,
    maxAgeMs: entry.max_age ?? defaults.maxAgeMs,
    concurrency: entry.ordered ? 1 : (entry.concurrency ?? defaults.concurrency),
    retentionMs: entry.retention ?? defaults.retentionMs,
    disableAfterFailures: entry.disable_after_failures ?? defaults.disableAfterFailures,
  };
  return {
    name: entry.name,
    type,
    url,
    secrets,
    signature,
    signatureHeader: entry.signature_header,
    headers: entry.headers,
    rateLimit: entry.rate_limit,
    ordered: entry.ordered,
    paused: entry.paused,
    policy,
    bodyMode: options.body === "original" ? "original" : "envelope",
    bodyTemplate,
    presentation: {
      username: text(options.username),
      avatarUrl: text(options.avatar_url),
      resultsUrl: text(options.results_url),
      title: text(options.title),
      description: text(options.description),
      attach: options.attach === true,
    },
    options,
    credentials: platform.credentials?.({ url, options }) ?? [],
  };
}

/** The SQLite file when `[storage]` names neither a path nor a url. */
export const DEFAULT_STORAGE_PATH = "./data/herald.db";

/** `[storage]` resolved: PostgreSQL when a url is set, else the SQLite file (by default DEFAULT_STORAGE_PATH). */
export function storageConfig(storage: ParsedConfig["storage"], sourcePath: string): StorageConfig {
  if (storage.url !== undefined) return { url: storage.url, synchronous: storage.synchronous };
  return { path: storagePath(storage.path ?? DEFAULT_STORAGE_PATH, sourcePath), synchronous: storage.synchronous };
}

/** The platform keys set on this destination; one its type does not take is a problem naming the types that do. */
function platformOptions(entry: ParsedDestination, type: string, problem: (key: string, message: string) => void): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  for (const key of Object.keys(PLATFORM_KEYS)) {
    const value = (entry as Record<string, unknown>)[key];
    if (value === undefined) continue;
    const takers = typesTaking(key);
    if (!takers.includes(type)) problem(key, `applies to ${listOf(takers)} destinations only`);
    else options[key] = value;
  }
  return options;
}

const listOf = (names: string[]) => (names.length <= 1 ? names.join("") : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`);

const text = (value: unknown) => (typeof value === "string" ? value : undefined);

/** Custom only (its platform takes the key): the template, compiled once here so a bad one is a config error. */
function resolveBodyTemplate(options: Record<string, unknown>, problem: (key: string, message: string) => void): BodyTemplate | undefined {
  if (typeof options.body_template !== "string") return undefined;
  if (options.body === "original") return void problem("body_template", 'replaces the envelope; it cannot be combined with body = "original"');
  const compiled = compileBodyTemplate(options.body_template);
  if (!compiled.ok) return void problem("body_template", compiled.message);
  return compiled.template;
}

/**
 * A relative storage.path is relative to the config file's folder (contract §2), not to the
 * working directory, so the CLI run from anywhere opens the running daemon's database; the
 * result is absolute, so every message names the file plainly.
 */
export function storagePath(path: string, sourcePath: string): string {
  return resolve(dirname(resolve(sourcePath)), path);
}

function toPolicy(section: ParsedConfig["delivery"]): DeliveryPolicy {
  return {
    timeoutMs: section.timeout,
    maxAttempts: section.max_attempts,
    backoffMs: section.backoff,
    jitter: section.jitter,
    maxAgeMs: section.max_age,
    concurrency: section.concurrency,
    retentionMs: section.retention,
    disableAfterFailures: section.disable_after_failures,
  };
}

export function isLoopback(host: string): boolean {
  const address = parseIp(host);
  if (!address) return host === "localhost";
  return isLoopbackAddress(address);
}

/** The `i`th parsed [[routes]] entry as routing uses it; a bad match operator is a problem at its key. */
export function toRoute(entry: ParsedConfig["routes"][number], i: number, problem: (path: string, message: string) => void): Route {
  return { name: entry.name, events: entry.events, match: matchRules(entry.match, ["routes", i, "match"], problem), sources: entry.sources, to: entry.to };
}
