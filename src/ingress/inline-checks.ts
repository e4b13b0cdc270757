// Publish-time checks of producer-given webhooks, bounded so that one request cannot make
// Herald do unbounded work: at most security.inline_hosts_per_request distinct hosts per event
// and inline_hosts_per_batch per batch (a 400 naming the path and the cap), one DNS lookup per
// distinct host, and lookups bounded in time and count by the resolver (delivery/resolver.ts).
// A refusal tells the producer only what it may know; what the name resolved to goes to the log.

import { normalizeHostname } from "../core/url-policy.ts";
import type { Logger } from "../log.ts";
import { guardUrl } from "../delivery/ssrf-guard.ts";
import type { Resolver } from "../delivery/resolver.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import { HttpError, type Issue } from "./errors.ts";
import type { PublishBody } from "./schemas.ts";

export interface InlineCheckDeps {
  config: () => RuntimeConfig;
  /** The bounded resolver for inline hosts; EBUSY from it answers 503. */
  resolveInline: Resolver;
  logger: Logger;
}

interface Located {
  url: string;
  /** Key path of the URL in the request body: `events[3].webhook[1].url`. */
  at: string;
  host: string | undefined;
}

/** Seconds a producer is told to wait when every lookup slot stayed busy. */
const BUSY_RETRY_AFTER_S = 1;

/** Checks every inline webhook URL; returns one issue per refused URL (or cap), with its path. */
export async function checkInlineWebhooks(bodies: Array<{ body: PublishBody; path: string }>, deps: InlineCheckDeps): Promise<Issue[]> {
  const cfg = deps.config();
  const perBody = bodies.map(({ body, path }) => locate(body, path));
  const capped = capIssues(perBody, bodies, cfg.inline);
  if (capped.length > 0) return capped;

  // One lookup per distinct host, however many webhooks name it.
  const answers = new Map<string, Promise<string[]>>();
  const resolve: Resolver = (host) => answers.get(host) ?? answers.set(host, deps.resolveInline(host)).get(host)!;
  const located = perBody.flat();
  const verdicts = await Promise.all(located.map((entry) => guardUrl(entry.url, cfg.security, resolve)));
  const outcomes = await Promise.allSettled(answers.values());
  if (outcomes.some((o) => o.status === "rejected" && (o.reason as { code?: string }).code === "EBUSY")) {
    throw new HttpError(503, "dns_busy", "too many DNS lookups of inline webhook hosts are in flight; nothing was stored, try again", undefined, {
      "retry-after": String(BUSY_RETRY_AFTER_S),
    });
  }
  const issues: Issue[] = [];
  verdicts.forEach((verdict, i) => {
    if (verdict.ok) return;
    const { at } = located[i]!;
    deps.logger.warn("publish.webhook_refused", { path: at, reason: verdict.detail ?? verdict.reason });
    issues.push({ path: at, message: `refused: ${verdict.reason}` });
  });
  return issues;
}

function locate(body: PublishBody, path: string): Located[] {
  const webhooks = body.webhook === undefined ? [] : Array.isArray(body.webhook) ? body.webhook : [body.webhook];
  return webhooks.map((webhook, i) => ({
    url: webhook.url,
    at: `${path}webhook${Array.isArray(body.webhook) ? `[${i}]` : ""}.url`,
    host: hostOf(webhook.url),
  }));
}

function hostOf(url: string): string | undefined {
  try {
    return normalizeHostname(new URL(url).hostname);
  } catch {
    return undefined; // not a URL: the guard refuses it with its own reason
  }
}

function capIssues(perBody: Located[][], bodies: Array<{ path: string }>, caps: RuntimeConfig["inline"]): Issue[] {
  const issues: Issue[] = [];
  perBody.forEach((located, i) => {
    const hosts = new Set(located.map((l) => l.host).filter((h) => h !== undefined));
    if (hosts.size > caps.hostsPerRequest) {
      issues.push({
        path: `${bodies[i]!.path}webhook`,
        message: `names ${hosts.size} distinct hosts; at most ${caps.hostsPerRequest} per event (security.inline_hosts_per_request)`,
      });
    }
  });
  const seen = new Set<string>();
  for (const entry of perBody.flat()) {
    if (entry.host === undefined || seen.has(entry.host)) continue;
    seen.add(entry.host);
    if (seen.size > caps.hostsPerBatch) {
      issues.push({ path: entry.at, message: `is one host too many: at most ${caps.hostsPerBatch} distinct inline webhook hosts per batch (security.inline_hosts_per_batch)` });
      break;
    }
  }
  return issues;
}
