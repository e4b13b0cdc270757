// IP addresses and the non-public ranges Herald refuses to send to (SSRF guard). Parsing,
// formatting and matching are ipaddr.js's; what counts as non-public is Herald's table below.
// Pure: DNS resolution happens in delivery/ssrf-guard.ts, which feeds addresses here.

import ipaddr from "ipaddr.js";

export type IpAddress = ipaddr.IPv4 | ipaddr.IPv6;
export type Cidr = [IpAddress, number];

/**
 * Everything the IANA IPv4 and IPv6 special-purpose address registries mark as not globally
 * reachable (and multicast, from its own registry), with the reason shown to a user. The first
 * match names the reason, so narrow ranges come before the ranges around them. A few anycast
 * exceptions inside 192.0.0.0/24 and 2001::/23 are refused too: no webhook receiver lives there.
 */
const BLOCKED_V4: Array<[string, string]> = [
  ["0.0.0.0/8", "the unspecified network"],
  ["10.0.0.0/8", "a private network"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (cloud metadata)"],
  ["172.16.0.0/12", "a private network"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation (TEST-NET-1)"],
  ["192.88.99.0/24", "the deprecated 6to4 relay anycast"],
  ["192.168.0.0/16", "a private network"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation (TEST-NET-2)"],
  ["203.0.113.0/24", "documentation (TEST-NET-3)"],
  ["224.0.0.0/4", "multicast"],
  ["255.255.255.255/32", "the limited broadcast address"],
  ["240.0.0.0/4", "reserved"],
];

/** IPv4-mapped (::ffff:0:0/96), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) are judged by the IPv4 inside, before this list. */
const BLOCKED_V6: Array<[string, string]> = [
  ["::/128", "the unspecified address"],
  ["::1/128", "loopback"],
  ["::/96", "the deprecated IPv4-compatible range"],
  ["64:ff9b:1::/48", "local-use IPv4/IPv6 translation"],
  ["100::/64", "discard-only"],
  ["100:0:0:1::/64", "the dummy prefix"],
  ["2001::/32", "Teredo"],
  ["2001:2::/48", "benchmarking"],
  ["2001:10::/28", "ORCHID (deprecated)"],
  ["2001:20::/28", "ORCHIDv2 (identifiers, not locators)"],
  ["2001::/23", "IETF protocol assignments"],
  ["2001:db8::/32", "documentation"],
  ["3fff::/20", "documentation"],
  ["5f00::/16", "SRv6 segment identifiers"],
  ["fc00::/7", "a unique-local (private) network"],
  ["fe80::/10", "link-local"],
  ["fec0::/10", "site-local (deprecated)"],
  ["ff00::/8", "multicast"],
];

/** Only 2000::/3 is allocated for global unicast; the rest of the IPv6 space is reserved. */
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3");
const OUTSIDE_GLOBAL_UNICAST = "reserved (outside global unicast 2000::/3)";

const toRanges = (table: Array<[string, string]>) => table.map(([text, label]) => ({ cidr: ipaddr.parseCIDR(text), label }));
const blockedV4 = toRanges(BLOCKED_V4);
const blockedV6 = toRanges(BLOCKED_V6);
const NAT64 = ipaddr.parseCIDR("64:ff9b::/96");
const SIX_TO_FOUR = ipaddr.parseCIDR("2002::/16");

/**
 * An address in canonical form: dotted four-part decimal IPv4 (what URL parsing and DNS
 * produce; config entries are held to it too), or IPv6, with or without brackets.
 */
export function parseIp(text: string): IpAddress | undefined {
  const host = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  if (host.includes(":")) return ipaddr.IPv6.isValid(host) ? ipaddr.IPv6.parse(host) : undefined;
  return ipaddr.IPv4.isValidFourPartDecimal(host) ? ipaddr.IPv4.parse(host) : undefined;
}

/** `10.1.0.0/16`, `fd00::/8`, or a single address (a /32 or /128). */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf("/");
  const address = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!address) return undefined;
  const max = address.kind() === "ipv4" ? 32 : 128;
  const prefixText = slash < 0 ? String(max) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) return undefined;
  return [address, Number(prefixText)];
}

/** Whether the range holds the address; an IPv4 range also holds the IPv4-mapped form of its addresses. */
export function cidrContains(cidr: Cidr, address: IpAddress): boolean {
  const candidate = cidr[0].kind() === "ipv4" ? connectAddress(address) : address;
  return candidate.kind() === cidr[0].kind() && candidate.match(cidr);
}

/** The IPv4 address that an IPv4-mapped, NAT64 or 6to4 address reaches, by which it is judged. */
export function embeddedIpv4(address: IpAddress): ipaddr.IPv4 | undefined {
  if (!(address instanceof ipaddr.IPv6)) return undefined;
  if (address.isIPv4MappedAddress()) return address.toIPv4Address();
  const bytes = address.toByteArray();
  if (address.match(NAT64)) return new ipaddr.IPv4(bytes.slice(12));
  if (address.match(SIX_TO_FOUR)) return new ipaddr.IPv4(bytes.slice(2, 6));
  return undefined;
}

/** Why an address is not public, or undefined when it is. */
export function nonPublicReason(address: IpAddress): string | undefined {
  const checked = embeddedIpv4(address) ?? address;
  if (checked.kind() === "ipv4") return blockedV4.find((range) => checked.match(range.cidr))?.label;
  const listed = blockedV6.find((range) => checked.match(range.cidr))?.label;
  return listed ?? (checked.match(GLOBAL_UNICAST) ? undefined : OUTSIDE_GLOBAL_UNICAST);
}

export function isLoopbackAddress(address: IpAddress): boolean {
  return connectAddress(address).range() === "loopback";
}

/**
 * The address a connection should go to: an IPv4-mapped address is the IPv4 address itself, so
 * the connection is plain IPv4 (a dual-stack socket would map it anyway; an IPv6-only one fails).
 */
export function connectAddress(address: IpAddress): IpAddress {
  return address instanceof ipaddr.IPv6 && address.isIPv4MappedAddress() ? address.toIPv4Address() : address;
}

/** Dotted decimal, or RFC 5952 IPv6 (lower case, longest zero run compressed), without brackets. */
export function formatIp(address: IpAddress): string {
  return address instanceof ipaddr.IPv6 ? address.toRFC5952String() : address.toString();
}

/** Whether two addresses are the same (an IPv4 address and its IPv4-mapped form are). */
export function sameAddress(a: IpAddress, b: IpAddress): boolean {
  const [x, y] = [connectAddress(a), connectAddress(b)];
  return x.kind() === y.kind() && x.toNormalizedString() === y.toNormalizedString();
}
