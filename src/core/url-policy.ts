// The checks a webhook URL must pass before Herald sends to it, short of DNS: scheme,
// credentials in the URL, and literal non-public addresses. delivery/ssrf-guard.ts adds the
// check of every address a host name resolves to.

import { cidrContains, nonPublicReason, parseCidr, parseIp, type IpAddress } from "./addresses.ts";

export interface SecurityPolicy {
  allowHttp: boolean;
  allowPrivateNetworks: boolean;
  /** Host names (exact) and CIDRs exempt from the private-network rule. */
  allowedHosts: string[];
}

export type UrlVerdict = { ok: true; url: URL } | { ok: false; reason: string };

export function normalizeHostname(hostname: string): string {
  const bare = hostname.startsWith("[") && hostname.endsWith("]") ? hostname.slice(1, -1) : hostname;
  return bare.toLowerCase().replace(/\.$/, "");
}

export function hostIsAllowed(policy: SecurityPolicy, hostname: string): boolean {
  const host = normalizeHostname(hostname);
  return policy.allowedHosts.some((entry) => normalizeHostname(entry) === host);
}

/** allowed_hosts CIDRs (or single addresses); an IPv4 range also exempts the IPv4-mapped form. */
export function addressIsAllowed(policy: SecurityPolicy, address: IpAddress): boolean {
  return policy.allowedHosts.some((entry) => {
    const cidr = parseCidr(entry);
    return !!cidr && cidrContains(cidr, address);
  });
}

/**
 * How to allow a refused host, narrowest first: exempting the one host (or its CIDR) keeps the
 * guard on for everything else, which allow_private_networks would not.
 */
export const privateNetworkFix = (host: string) =>
  `allow this host with security.allowed_hosts = ["${host}"], or every non-public address with security.allow_private_networks = true`;

/** Why this address may not be sent to under the policy, or undefined when it may. */
export function refusedAddressReason(policy: SecurityPolicy, address: IpAddress): string | undefined {
  if (policy.allowPrivateNetworks || addressIsAllowed(policy, address)) return undefined;
  return nonPublicReason(address);
}

export function checkUrl(text: string, policy: SecurityPolicy): UrlVerdict {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: "is not a valid absolute URL" };
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return { ok: false, reason: `scheme ${url.protocol} is not allowed (use https)` };
  }
  if (url.protocol === "http:" && !policy.allowHttp) {
    return { ok: false, reason: "must use https (set security.allow_http = true to allow http)" };
  }
  if (url.username || url.password) {
    return { ok: false, reason: "must not carry a user name or password" };
  }
  const host = normalizeHostname(url.hostname);
  if (policy.allowPrivateNetworks || hostIsAllowed(policy, host)) return { ok: true, url };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return { ok: false, reason: `host ${host} is loopback, a non-public address; ${privateNetworkFix(host)}` };
  }
  const literal = parseIp(host);
  const reason = literal && refusedAddressReason(policy, literal);
  if (reason) {
    return { ok: false, reason: `host ${host} is ${reason}, a non-public address; ${privateNetworkFix(host)}` };
  }
  return { ok: true, url };
}
