// The effective config as `herald check` prints it: every URL redacted, secrets only counted.

import { redactUrl } from "../core/redact.ts";
import type { DeliveryPolicy, Destination, Route, Source } from "../core/types.ts";
import { formatDuration } from "../core/units.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { effectiveRates } from "../scheduler/pacer.ts";

export function describeConfig(config: RuntimeConfig): string {
  const { server, storage, auth, defaults, security } = config;
  const lines = [
    `config ${config.sourcePath} is valid`,
    ``,
    `listen      ${server.host}:${server.port} (max_body ${server.maxBodyBytes} bytes, shutdown_grace ${formatDuration(server.shutdownGraceMs)})`,
    `storage     ${storage.path} (synchronous=${storage.synchronous})`,
    `auth        ${auth.publishTokens.length ? `${auth.publishTokens.length} publish token(s)` : "publishing open to loopback clients (no publish tokens)"}, ${auth.adminTokens.length} admin token(s)`,
    `delivery    ${describePolicy(defaults)}`,
    `ops events  ${config.operationalEvents.enabled ? `on (herald.* events; a destination is failing after ${config.operationalEvents.failingAfter} failed deliveries in a row)` : "off"}`,
    `security    ${security.allowHttp ? "http allowed" : "https only"}, ${security.allowPrivateNetworks ? "private networks allowed" : "private networks refused"}${security.allowedHosts.length ? `, allowed_hosts ${security.allowedHosts.join(", ")}` : ""}`,
    `dns         ${config.lookups.servers.length ? config.lookups.servers.join(", ") : "the servers of /etc/resolv.conf"}, timeout ${formatDuration(config.lookups.timeoutMs)}; inline webhooks: at most ${config.inline.hostsPerRequest} hosts an event, ${config.inline.hostsPerBatch} a batch, ${config.lookups.inlineInFlight} lookups at once`,
    ``,
    `destinations (${config.destinations.size})`,
    ...[...config.destinations.values()].map((d) => `  ${describeDestination(d, defaults)}`),
    ``,
    `routes (${config.routes.length})`,
    ...config.routes.map((r) => `  ${describeRoute(r)}`),
    ...(config.sources.length > 0 ? [``, `sources (${config.sources.length})`, ...config.sources.map((source) => `  ${describeSource(source)}`)] : []),
  ];
  return lines.join("\n");
}

function policyEntries(p: DeliveryPolicy): Array<[keyof DeliveryPolicy, string]> {
  return [
    ["timeoutMs", `timeout ${formatDuration(p.timeoutMs)}`],
    ["maxAttempts", `max_attempts ${p.maxAttempts}`],
    ["backoffMs", `backoff ${p.backoffMs.map(formatDuration).join(" ")}`],
    ["jitter", `jitter ${p.jitter}`],
    ["maxAgeMs", `max_age ${formatDuration(p.maxAgeMs)}`],
    ["concurrency", `concurrency ${p.concurrency}`],
    ["retentionMs", `retention ${formatDuration(p.retentionMs)}`],
  ];
}

function describePolicy(p: DeliveryPolicy): string {
  return policyEntries(p).map(([, text]) => text).join(", ");
}

function describeDestination(d: Destination, defaults: DeliveryPolicy): string {
  const parts = [d.name, d.type, redactUrl(d.url)];
  if (d.type === "custom") {
    parts.push(d.signature === "none" ? "unsigned" : `signature ${d.signature} (${d.signature === "standard" ? "webhook-signature" : d.signatureHeader}, ${d.secrets.length} secret${d.secrets.length > 1 ? "s" : ""})`);
  }
  const rates = effectiveRates(d);
  if (rates.length > 0) parts.push(`rate ${rates.map((rate) => `${rate.count}/${formatDuration(rate.perMs)}`).join(" and ")}${d.rateLimit ? "" : " (platform default)"}`);
  if (d.ordered) parts.push("ordered");
  const overrides = policyEntries(d.policy).filter(([key]) => JSON.stringify(d.policy[key]) !== JSON.stringify(defaults[key]));
  if (overrides.length > 0) parts.push(overrides.map(([, text]) => text).join(", "));
  return parts.join("  ");
}

function describeRoute(r: Route): string {
  const match = r.match.map((m) => `${m.path} in [${m.values.join(", ")}]`).join(" and ");
  const from = r.sources ? `  from ${r.sources.join(", ")}` : "";
  return `${r.name}  events ${r.events.join(", ")}${from}${match ? `  when ${match}` : ""}  -> ${r.to.join(", ")}`;
}

function describeSource(source: Source): string {
  const verify =
    source.verify === "none"
      ? "unverified"
      : `verify ${source.verify}${source.header ? ` (${source.header})` : ""}, ${source.secrets.length} secret${source.secrets.length > 1 ? "s" : ""}`;
  const { naming } = source;
  const named = naming.field
    ? `event from body ${naming.field}`
    : naming.header
      ? `event from header ${naming.header}`
      : naming.rules.length > 0
        ? `event by ${naming.rules.length} rule${naming.rules.length > 1 ? "s" : ""}`
        : `event "${naming.fixed}"`;
  const dedup = source.idFrom.length > 0 ? `dedup on ${source.idFrom.join("+")}` : source.verify === "timestamped" || source.verify === "standard" ? "replays dropped" : "no dedup";
  return [source.name, `POST ${source.path}`, verify, named, dedup].join("  ");
}
