// The effective config as `herald check` prints it: the settings, then destinations, routes and
// sources as aligned columns. Drawn from the same view as `check --json`, so every URL is
// redacted and secrets are only counted.

import { table } from "./columns.ts";
import { configView, type DestinationView, type PolicyView, type RouteView, type SourceView } from "./config-view.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { MatchOperators } from "../core/types.ts";
import { formatDuration } from "../core/units.ts";

/**
 * `pending`: deliveries waiting per destination in the database, when it could be read. Those
 * of a destination no longer in the config wait for it to come back (and still expire).
 */
export function describeConfig(config: RuntimeConfig, pending?: ReadonlyMap<string, number>): string {
  const view = configView(config);
  const { server, storage, auth, security, operational_events: ops } = view;
  const lines = [
    `config ${view.config} is valid`,
    ``,
    `listen      ${server.listen} (max_body ${server.max_body_bytes} bytes, shutdown_grace ${server.shutdown_grace})`,
    storage.url === undefined ? `storage     ${storage.path} (synchronous=${storage.synchronous})` : `storage     ${storage.url} (PostgreSQL)`,
    `auth        ${auth.publish_tokens ? `${auth.publish_tokens} publish token(s)` : "publishing open to loopback clients (no publish tokens)"}, ${auth.admin_tokens} admin token(s)`,
    `delivery    ${describePolicy(view.delivery)}`,
    `ops events  ${ops.enabled ? `on (herald.* events; a destination is failing after ${ops.failing_after} failed deliveries in a row)` : "off"}`,
    `security    ${security.allow_http ? "http allowed" : "https only"}, ${security.allow_private_networks ? "private networks allowed" : "private networks refused"}${security.allowed_hosts.length ? `, allowed_hosts ${security.allowed_hosts.join(", ")}` : ""}`,
    `dns         ${config.lookups.servers.length ? config.lookups.servers.join(", ") : "the servers of /etc/resolv.conf"}, timeout ${formatDuration(config.lookups.timeoutMs)}; inline webhooks: at most ${config.inline.hostsPerRequest} hosts an event, ${config.inline.hostsPerBatch} a batch, ${config.lookups.inlineInFlight} lookups at once`,
    ``,
    ...section("destinations", ["NAME", "TYPE", "URL", "SIGNATURE", "RATE", "OPTIONS"], view.destinations.map(destinationRow)),
    ``,
    ...section("routes", ["NAME", "EVENTS", "SOURCES", "MATCH", "TO"], view.routes.map(routeRow)),
    ...(view.sources.length > 0 ? [``, ...section("sources", ["NAME", "PATH", "VERIFY", "EVENT", "DEDUP"], view.sources.map(sourceRow))] : []),
    ...waitingForRemoved(config, pending),
  ];
  return lines.join("\n");
}

function waitingForRemoved(config: RuntimeConfig, pending: ReadonlyMap<string, number> | undefined): string[] {
  const removed = [...(pending ?? [])].filter(([name, n]) => n > 0 && !config.destinations.has(name));
  if (removed.length === 0) return [];
  return [
    ``,
    ...removed.map(([name, n]) => `${n} pending ${n === 1 ? "delivery waits" : "deliveries wait"} for destination "${name}", which is no longer in the config`),
    `  (they are sent if it comes back, and expire at their max_age)`,
  ];
}

/** A heading with its count, then the rows as columns under a header (none when empty). */
function section(title: string, header: string[], rows: string[][]): string[] {
  const heading = `${title} (${rows.length})`;
  if (rows.length === 0) return [heading];
  return [heading, ...table(header, rows).split("\n").map((line) => `  ${line}`)];
}

function describePolicy(p: Partial<PolicyView>): string {
  return Object.entries(p)
    .map(([key, value]) => `${key} ${Array.isArray(value) ? value.join(" ") : value}`)
    .join(", ");
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
const orDash = (text: string) => text || "-";

function destinationRow(d: DestinationView): string[] {
  const signature = d.signature === null ? "-" : d.signature === "none" ? "none (unsigned)" : `${d.signature} (${d.signature_header}, ${plural(d.secrets, "secret")})`;
  const rate = d.rate_limits.length ? `${d.rate_limits.join(" and ")}${d.rate_limit_default ? " (platform default)" : ""}` : "";
  const body = d.body === "template" ? ["body_template"] : d.body === "original" ? ["body original"] : [];
  const options = [...(d.paused ? ["paused"] : []), ...(d.ordered ? ["ordered"] : []), ...body, ...(Object.keys(d.overrides).length ? [describePolicy(d.overrides)] : [])].join(", ");
  return [d.name, d.type, d.url, signature, orDash(rate), orDash(options)];
}

function routeRow(r: RouteView): string[] {
  const match = r.match.map((m) => ("values" in m ? `${m.path} in [${m.values.join(", ")}]` : describeOperators(m.path, m.operators))).join(" and ");
  return [r.name, r.events.join(", "), orDash(r.sources?.join(", ") ?? ""), orDash(match), r.to.join(", ")];
}

const COMPARISONS = { gt: ">", gte: ">=", lt: "<", lte: "<=" } as const;

/** `data.credits_used > 100 and data.status not in [success]`: each operator as a condition. */
function describeOperators(path: string, ops: MatchOperators): string {
  const parts = [
    ...(ops.exists === undefined ? [] : [`${path} ${ops.exists ? "exists" : "is absent"}`]),
    ...(ops.not ? [`${path} not in [${ops.not.join(", ")}]`] : []),
    ...(Object.keys(COMPARISONS) as Array<keyof typeof COMPARISONS>).flatMap((op) => (ops[op] === undefined ? [] : [`${path} ${COMPARISONS[op]} ${ops[op]}`])),
    ...(ops.prefix === undefined ? [] : [`${path} starts with ${JSON.stringify(ops.prefix)}`]),
    ...(ops.regex === undefined ? [] : [`${path} ~ /${ops.regex}/`]),
  ];
  return parts.join(" and ");
}

function sourceRow(s: SourceView): string[] {
  const verify = s.verify === "none" ? "none (unverified)" : `${s.verify}${s.header ? ` (${s.header}, ${plural(s.secrets, "secret")})` : ` (${plural(s.secrets, "secret")})`}`;
  const event = "field" in s.event ? `body ${s.event.field}` : "header" in s.event ? `header ${s.event.header}` : "rules" in s.event ? plural(s.event.rules, "rule") : `"${s.event.name}"`;
  const dedup = s.id_from.length ? `id_from ${s.id_from.join("+")}` : s.replays_dropped ? "replays dropped" : "none";
  return [s.name, s.path, verify, event, dedup];
}
