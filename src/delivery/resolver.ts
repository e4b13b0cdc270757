// Bounded DNS lookups for the SSRF guard. Two limits protect the rest of Herald from a name
// whose DNS never answers:
//
// - Time: every lookup gives up after `timeoutMs` (security.dns_timeout, and at send time never
//   later than the attempt's timeout), and the caller hears ETIMEOUT.
// - Count: at most `inFlight` lookups run at once; a lookup that has given up keeps its slot
//   until the query below it really ends, so a storm of hanging names cannot pile up.
//
// The queries go through c-ares (node:dns Resolver), not getaddrinfo: under Bun, node:dns
// `lookup` runs getaddrinfo on the same small thread pool (one thread per core) as the WAL
// fsync that every 202 waits for, and two names whose DNS never answered held every publish
// for 10 s (measured: docs/security.md). c-ares waits on sockets in the event loop instead.
// Lookups of the same host that overlap share one query. Names in /etc/hosts are answered from
// it first, as getaddrinfo would ("files" before "dns"), since c-ares queries DNS only.

import { readFileSync, statSync } from "node:fs";
import { Resolver as DnsResolver } from "node:dns/promises";
import { parseIp } from "../core/addresses.ts";

/** Resolves a host name to its addresses; `timeoutMs` tightens the resolver's own limit. */
export type Resolver = (hostname: string, options?: { timeoutMs?: number }) => Promise<string[]>;

export interface LookupLimits {
  timeoutMs: number;
  inFlight: number;
}

/** Codes callers act on: ETIMEOUT is a refusal with a reason, EBUSY means "try again later". */
export class LookupError extends Error {
  constructor(
    readonly code: "ETIMEOUT" | "EBUSY",
    message: string,
  ) {
    super(message);
  }
}

/** Queries A and AAAA through c-ares, at `servers` ("ip" or "ip:port"), or the system's from /etc/resolv.conf when empty. */
export function dnsLookup(servers: () => string[], timeoutMs: () => number): Resolver {
  let current: { key: string; resolver: DnsResolver } | undefined;
  const resolver = () => {
    const key = `${servers().join(",")}|${timeoutMs()}`;
    if (current?.key !== key) {
      const made = new DnsResolver({ timeout: timeoutMs(), tries: 1 });
      if (servers().length > 0) made.setServers(servers());
      current = { key, resolver: made };
    }
    return current.resolver;
  };
  const fromHostsFile = hostsFile();
  return async (hostname) => {
    const listed = fromHostsFile(hostname);
    if (listed.length > 0) return listed;
    const r = resolver();
    const [v4, v6] = await Promise.allSettled([r.resolve4(hostname), r.resolve6(hostname)]);
    const addresses = [...(v4.status === "fulfilled" ? v4.value : []), ...(v6.status === "fulfilled" ? v6.value : [])];
    if (addresses.length > 0) return addresses;
    // Neither family answered: report the IPv4 query's reason (ENOTFOUND, ETIMEOUT, ...).
    throw v4.status === "rejected" ? v4.reason : v6.status === "rejected" ? v6.reason : Object.assign(new Error("no addresses"), { code: "ENODATA" });
  };
}

/**
 * The addresses /etc/hosts gives a name (`localhost` among them), read again when the file
 * changes. A missing or unreadable file lists nothing.
 */
export function hostsFile(path = "/etc/hosts"): (hostname: string) => string[] {
  let cached: { mtimeMs: number; names: Map<string, string[]> } | undefined;
  const names = (): Map<string, string[]> => {
    let mtimeMs: number;
    try {
      mtimeMs = statSync(path).mtimeMs;
    } catch {
      return new Map();
    }
    if (cached?.mtimeMs !== mtimeMs) cached = { mtimeMs, names: parseHostsFile(readFileSync(path, "utf8")) };
    return cached.names;
  };
  return (hostname) => names().get(hostname.toLowerCase().replace(/\.$/, "")) ?? [];
}

/** `address name alias...` lines; `#` starts a comment; lines whose first field is no address are skipped. */
export function parseHostsFile(text: string): Map<string, string[]> {
  const names = new Map<string, string[]>();
  for (const line of text.split("\n")) {
    const [address, ...hosts] = line.replace(/#.*/, "").trim().split(/\s+/);
    if (!address || hosts.length === 0 || !parseIp(address)) continue;
    for (const host of hosts) {
      const key = host.toLowerCase();
      names.set(key, [...(names.get(key) ?? []), address]);
    }
  }
  return names;
}

/** Wraps `lookup` with the time and count limits above. */
export function boundedResolver(lookup: Resolver, limits: () => LookupLimits): Resolver {
  let running = 0;
  const waiting: Array<() => void> = [];
  const shared = new Map<string, Promise<string[]>>();

  const release = () => {
    running -= 1;
    waiting.shift()?.();
  };
  /** Waits for a slot until `deadline`; false when none freed in time. */
  const acquire = (deadline: Promise<void>): Promise<boolean> => {
    if (running < limits().inFlight) {
      running += 1;
      return Promise.resolve(true);
    }
    return new Promise<boolean>((resolve) => {
      const take = () => {
        running += 1;
        resolve(true);
      };
      waiting.push(take);
      deadline.then(() => {
        const at = waiting.indexOf(take);
        if (at >= 0) waiting.splice(at, 1), resolve(false);
      });
    });
  };

  const query = (hostname: string, timeoutMs: number) => {
    const key = hostname.toLowerCase();
    const found = shared.get(key);
    if (found) return found;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)));
    const run = (async () => {
      if (!(await acquire(deadline))) throw new LookupError("EBUSY", `too many DNS lookups in flight (${limits().inFlight})`);
      const answer = lookup(hostname);
      answer.then(release, release);
      const timedOut = deadline.then(() => {
        throw new LookupError("ETIMEOUT", `the DNS lookup of ${hostname} took longer than ${timeoutMs} ms`);
      });
      return await Promise.race([answer, timedOut]);
    })();
    shared.set(key, run);
    run.then(
      () => {},
      () => {},
    ).finally(() => {
      clearTimeout(timer);
      shared.delete(key);
    });
    return run;
  };

  return (hostname, options) => query(hostname, Math.min(limits().timeoutMs, options?.timeoutMs ?? Infinity));
}
