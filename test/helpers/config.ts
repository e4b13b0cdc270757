// Building configs for tests from TOML text, the way users write them.
import { parseConfigText, formatProblems } from "../../src/config/load.ts";
import type { RuntimeConfig } from "../../src/config/runtime.ts";
import { isPostgresUrl } from "./rows.ts";

/** Loopback receivers need http and private addresses; tests say so like a user would. */
export const LOOPBACK_SECURITY = `
[security]
allow_http = true
allow_private_networks = true
`;

export function configFrom(toml: string, env: Record<string, string> = {}): RuntimeConfig {
  const result = parseConfigText(toml, "test.toml", env);
  if (!result.ok) throw new Error(`test config invalid:\n${formatProblems(result.problems)}`);
  return result.config;
}

export interface RelayParts {
  /** More keys of [server]. */
  server?: string;
  /** More tables, e.g. a [delivery] section. */
  extra?: string;
  /** More keys of the "recv" destination. */
  destination?: string;
}

/** The [storage] key for an SQLite file or a PostgreSQL URL (a harness on either backend). */
export const storageKey = (location: string) => (isPostgresUrl(location) ? `url = "${location}"` : `path = "${location}"`);

/** TOML for one custom destination "recv" at `url`/hook, routed every event, on a port the system picks. */
export function relayToml(dbPath: string, url: string, { server = "", extra = "", destination = "" }: RelayParts = {}): string {
  return `
[server]
listen = "127.0.0.1:0"
${server}
[storage]
${storageKey(dbPath)}
${LOOPBACK_SECURITY}
${extra}
[[destinations]]
name = "recv"
url = "${url}/hook"
${destination}
${routeEverythingTo("recv")}`;
}

/** A route sending every event to the named destination. */
export function routeEverythingTo(destination: string): string {
  return `[[routes]]\nname = "all"\nevents = ["*"]\nto = ["${destination}"]\n`;
}

export function relayConfig(dbPath: string, url: string, extra = "", destinationExtra = ""): RuntimeConfig {
  return configFrom(relayToml(dbPath, url, { extra, destination: destinationExtra }));
}
