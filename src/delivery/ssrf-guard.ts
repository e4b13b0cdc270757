// The SSRF guard: a URL is sent to only when it passes the static checks and every address
// its host resolves to is public (or exempted by [security]). The verdict carries the address
// that was checked, and the sender connects to exactly that address (pinned), so a DNS answer
// that changes between the check and the connection (DNS rebinding) cannot redirect it.
//
// Every name is resolved here, exempted ones too (allow_private_networks, allowed_hosts), and
// always through the bounded resolver: were a name left to fetch, the runtime would look it up
// with getaddrinfo on the thread pool that the WAL fsync needs (delivery/resolver.ts).

import { connectAddress, formatIp, parseIp, type IpAddress } from "../core/addresses.ts";
import { checkUrl, hostIsAllowed, normalizeHostname, privateNetworkFix, refusedAddressReason, type SecurityPolicy } from "../core/url-policy.ts";
import type { Resolver } from "./resolver.ts";

export type { Resolver };

/**
 * `address`: the checked address to connect to, when the host is a name that was resolved; an
 * IPv4-mapped answer is given as the plain IPv4 address, since that is what it reaches.
 * `detail`: the full story of a refusal (the resolved address and its range) for operators;
 * `reason` alone is safe to tell a producer, who must not learn what internal names resolve to.
 * `transient`: the lookup failed, which says nothing lasting about the URL (DNS answers change,
 * resolvers go down): worth another attempt later, as the sender error kind it names.
 */
export type GuardVerdict = { ok: true; address?: string } | { ok: false; reason: string; detail?: string; transient?: "timeout" | "network" };

/**
 * What a URL's text and the policy decide alone: a final verdict (refused, or a literal address
 * judged by checkUrl), or the host to look up and whether it is exempt. Every attempt to a
 * destination asks again, so this is kept per policy object (a reload makes a new one) and per
 * URL, up to a bound: producers' inline URLs are unbounded.
 */
type StaticStage = { verdict: GuardVerdict } | { host: string; exempt: boolean };
const STATIC_STAGES_KEPT = 4_096;
const staticStages = new WeakMap<SecurityPolicy, Map<string, StaticStage>>();

function staticStage(url: string, policy: SecurityPolicy): StaticStage {
  let kept = staticStages.get(policy);
  if (!kept) staticStages.set(policy, (kept = new Map()));
  let stage = kept.get(url);
  if (!stage) {
    if (kept.size >= STATIC_STAGES_KEPT) kept.clear();
    kept.set(url, (stage = Object.freeze(judgeStatically(url, policy))));
  }
  return stage;
}

function judgeStatically(url: string, policy: SecurityPolicy): StaticStage {
  const verdict = checkUrl(url, policy);
  if (!verdict.ok) return { verdict: Object.freeze({ ok: false, reason: verdict.reason }) };
  const host = normalizeHostname(verdict.url.hostname);
  // A literal address was judged by checkUrl and needs no lookup.
  if (parseIp(host)) return { verdict: Object.freeze({ ok: true }) };
  return { host, exempt: policy.allowPrivateNetworks || hostIsAllowed(policy, host) };
}

export async function guardUrl(url: string, policy: SecurityPolicy, resolve: Resolver): Promise<GuardVerdict> {
  const stage = staticStage(url, policy);
  if ("verdict" in stage) return stage.verdict;
  const { host, exempt } = stage;
  let addresses: string[];
  try {
    addresses = await resolve(host);
  } catch (error) {
    const code = (error as { code?: string }).code ?? "lookup failed";
    // Bounded by delivery/resolver.ts: a slow or busy resolver says nothing about the host.
    if (code === "ETIMEOUT") return { ok: false, reason: `host ${host} did not resolve in time (the DNS lookup timed out)`, transient: "timeout" };
    if (code === "EBUSY") return { ok: false, reason: `host ${host} was not looked up: too many DNS lookups in flight`, transient: "timeout" };
    return { ok: false, reason: `host ${host} does not resolve (${code})`, transient: "network" };
  }
  const checked: IpAddress[] = [];
  for (const text of addresses) {
    const address = parseIp(text);
    const reason = !address ? "not an IP address" : exempt ? undefined : refusedAddressReason(policy, address);
    if (reason) {
      return {
        ok: false,
        reason: `host ${host} resolves to a non-public address; an operator can ${privateNetworkFix(host)}`,
        detail: `host ${host} resolves to ${address ? formatIp(address) : text}, ${reason}, a non-public address; ${privateNetworkFix(host)}`,
      };
    }
    checked.push(address!);
  }
  if (checked.length === 0) return { ok: false, reason: `host ${host} does not resolve (no addresses)`, transient: "network" };
  // Prefer IPv4: hosts with a broken IPv6 route are far more common than the reverse.
  const connectable = checked.map(connectAddress);
  const preferred = connectable.find((a) => a.kind() === "ipv4") ?? connectable[0]!;
  return { ok: true, address: formatIp(preferred) };
}
