// IP address parsing and the non-public ranges Herald refuses to send to (SSRF guard).
// Pure: DNS resolution happens in delivery/ssrf-guard.ts, which feeds addresses here.

export type IpBytes = Uint8Array; // 4 bytes for IPv4, 16 for IPv6

interface Cidr {
  bytes: IpBytes;
  prefix: number;
  label: string;
}

/** Ranges from ../shared/platform-notes.md, with the reason shown to a user. */
const BLOCKED_V4: Array<[string, string]> = [
  ["0.0.0.0/8", "the unspecified network"],
  ["10.0.0.0/8", "a private network"],
  ["100.64.0.0/10", "carrier-grade NAT"],
  ["127.0.0.0/8", "loopback"],
  ["169.254.0.0/16", "link-local (cloud metadata)"],
  ["172.16.0.0/12", "a private network"],
  ["192.0.0.0/24", "IETF protocol assignments"],
  ["192.0.2.0/24", "documentation (TEST-NET-1)"],
  ["192.168.0.0/16", "a private network"],
  ["198.18.0.0/15", "benchmarking"],
  ["198.51.100.0/24", "documentation (TEST-NET-2)"],
  ["203.0.113.0/24", "documentation (TEST-NET-3)"],
  ["224.0.0.0/4", "multicast"],
  ["240.0.0.0/4", "reserved"],
];

const BLOCKED_V6: Array<[string, string]> = [
  ["::/128", "the unspecified address"],
  ["::1/128", "loopback"],
  ["fc00::/7", "a unique-local (private) network"],
  ["fe80::/10", "link-local"],
  ["ff00::/8", "multicast"],
  ["2001:db8::/32", "documentation"],
];

const blockedRanges: Cidr[] = [...BLOCKED_V4, ...BLOCKED_V6].map(([text, label]) => ({ ...parseCidr(text)!, label }));

export function parseIp(text: string): IpBytes | undefined {
  const host = text.startsWith("[") && text.endsWith("]") ? text.slice(1, -1) : text;
  return host.includes(":") ? parseIpv6(host) : parseIpv4(host);
}

function parseIpv4(text: string): IpBytes | undefined {
  const parts = text.split(".");
  if (parts.length !== 4) return undefined;
  const bytes = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    if (!/^\d{1,3}$/.test(parts[i]!)) return undefined;
    const value = Number(parts[i]);
    if (value > 255) return undefined;
    bytes[i] = value;
  }
  return bytes;
}

function parseIpv6(text: string): IpBytes | undefined {
  const zoneless = text.split("%")[0]!;
  const halves = zoneless.split("::");
  if (halves.length > 2) return undefined;
  const parseGroups = (part: string): number[] | undefined => {
    if (part === "") return [];
    const groups: number[] = [];
    const items = part.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (i === items.length - 1 && item.includes(".")) {
        const v4 = parseIpv4(item);
        if (!v4) return undefined;
        groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(item)) {
        groups.push(parseInt(item, 16));
      } else {
        return undefined;
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (!head || !tail) return undefined;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return undefined;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    bytes[i * 2] = group >> 8;
    bytes[i * 2 + 1] = group & 0xff;
  });
  return bytes;
}

export function parseCidr(text: string): Omit<Cidr, "label"> | undefined {
  const [address, prefixText] = text.split("/");
  const bytes = parseIp(address ?? "");
  if (!bytes) return undefined;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    return undefined;
  }
  return { bytes, prefix };
}

export function cidrContains(cidr: Omit<Cidr, "label">, address: IpBytes): boolean {
  if (cidr.bytes.length !== address.length) return false;
  let bits = cidr.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((cidr.bytes[i]! & mask) !== (address[i]! & mask)) return false;
  }
  return true;
}

/**
 * IPv6 forms that carry an IPv4 address (mapped ::ffff:0:0/96, NAT64 64:ff9b::/96,
 * 6to4 2002::/16, compatible ::/96) are judged by the IPv4 address inside.
 */
export function embeddedIpv4(address: IpBytes): IpBytes | undefined {
  if (address.length !== 16) return undefined;
  const prefixIs = (bytes: number[]) => bytes.every((b, i) => address[i] === b);
  const zeros = (n: number) => new Array<number>(n).fill(0);
  if (prefixIs([...zeros(10), 0xff, 0xff])) return address.slice(12);
  if (prefixIs([0x00, 0x64, 0xff, 0x9b, ...zeros(8)])) return address.slice(12);
  if (prefixIs([0x20, 0x02])) return address.slice(2, 6);
  if (prefixIs(zeros(12)) && !(address[12] === 0 && address[13] === 0 && address[14] === 0)) return address.slice(12);
  return undefined;
}

/** Why an address is not public, or undefined when it is. */
export function nonPublicReason(address: IpBytes): string | undefined {
  const inner = embeddedIpv4(address);
  const checked = inner ?? address;
  for (const range of blockedRanges) {
    if (cidrContains(range, checked)) return range.label;
  }
  return undefined;
}

export function formatIp(address: IpBytes): string {
  if (address.length === 4) return address.join(".");
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((address[i]! << 8) | address[i + 1]!).toString(16));
  return groups.join(":").replace(/\b(?:0:){2,}/, ":");
}
