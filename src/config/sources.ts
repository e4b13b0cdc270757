// [[sources]]: inbound endpoints for providers' webhooks. Cross-key checks (a secret for every
// scheme that needs one, one way to name events, paths that do not collide with Herald's own)
// and the resolved Source the ingress uses.

import { OPERATIONAL_PREFIX } from "../core/routing.ts";
import { checkStandardSecrets } from "../core/standard-secret.ts";
import type { Source } from "../core/types.ts";
import { matchRules } from "./match-rules.ts";
import type { ParsedSource } from "./schema.ts";

/** Paths Herald serves itself; a source may not take them. */
const RESERVED_PATH = /^\/(v1(\/|$)|ui(\/|$)|healthz$|readyz$|metrics$|openapi\.json$)/;

const DEFAULT_HEADERS: Partial<Record<Source["verify"], string>> = { github: "X-Hub-Signature-256" };

export function resolveSources(
  entries: ParsedSource[],
  context: { loopback: boolean; listen: string },
  problem: (path: string, message: string) => void,
): Source[] {
  const names = new Set<string>();
  const paths = new Set<string>();
  const sources: Source[] = [];
  entries.forEach((entry, i) => {
    const at = (key: string) => `sources[${i}].${key}`;
    if (names.has(entry.name)) problem(at("name"), `"${entry.name}" is already used by another source`);
    names.add(entry.name);
    const path = entry.path.length > 1 ? entry.path.replace(/\/+$/, "") : entry.path;
    if (RESERVED_PATH.test(path) || path === "/") problem(at("path"), `"${entry.path}" is one of Herald's own paths`);
    else if (paths.has(path)) problem(at("path"), `"${entry.path}" is already used by another source`);
    paths.add(path);

    const secrets = entry.secret === undefined ? [] : Array.isArray(entry.secret) ? entry.secret : [entry.secret];
    if (entry.verify === "none") {
      if (secrets.length > 0) problem(at("secret"), 'is not used with verify = "none"');
      if (!context.loopback) problem(at("verify"), `"none" accepts anyone's events; it is only allowed when server.listen is a loopback address, not ${context.listen}`);
    } else if (secrets.length === 0) {
      problem(at("secret"), `verify = "${entry.verify}" needs the provider's secret (a string, or a list while rotating)`);
    }
    const header = entry.header ?? DEFAULT_HEADERS[entry.verify];
    if ((entry.verify === "sha256" || entry.verify === "timestamped") && !header) {
      problem(at("header"), `verify = "${entry.verify}" needs the name of the signature header (e.g. "X-Evomi-Signature")`);
    }
    if (entry.verify === "standard" && entry.header) problem(at("header"), "Standard Webhooks uses the fixed webhook-* headers");
    if (entry.verify === "standard" && entry.secret !== undefined) checkStandardSecrets(entry.secret, (key, message) => problem(at(key), message));

    const namings = [entry.event_field, entry.event_header, entry.event_rules].filter((v) => v !== undefined).length;
    if (namings > 1) problem(at("event_field"), "give one of event_field, event_header or event_rules (event may be added as the fallback name)");
    if (namings === 0 && entry.event === undefined) {
      problem(at("event"), 'give a way to name events: event = "fixed-name", event_field = "event", event_header = "X-Event" or event_rules');
    }
    const reserved = `names starting with "${OPERATIONAL_PREFIX}" are reserved for Herald's own operational events`;
    if (entry.event?.startsWith(OPERATIONAL_PREFIX)) problem(at("event"), reserved);
    entry.event_rules?.forEach((rule, j) => {
      if (rule.event.startsWith(OPERATIONAL_PREFIX)) problem(at(`event_rules[${j}].event`), reserved);
    });
    for (const part of entry.id_from ?? []) {
      if (!/^(event|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+|[A-Za-z0-9_$-]+(\.[A-Za-z0-9_$-]+)*)$/.test(part)) {
        problem(at("id_from"), `"${part}" is not "event", "header:Name" or a dotted body path`);
      }
    }

    sources.push({
      name: entry.name,
      path,
      verify: entry.verify,
      header: header ?? "",
      secrets,
      toleranceMs: entry.tolerance,
      naming: {
        fixed: entry.event,
        field: entry.event_field,
        header: entry.event_header,
        rules: (entry.event_rules ?? []).map((rule, j) => ({
          has: rule.has,
          match: matchRules(rule.match ?? {}, ["sources", i, "event_rules", j, "match"], problem),
          event: rule.event,
        })),
      },
      idFrom: entry.id_from ?? [],
      dataField: entry.data_field,
      timestampField: entry.timestamp_field,
    });
  });
  return sources;
}
