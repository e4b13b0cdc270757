// DNS rebinding: a web page can re-point its own name at 127.0.0.1, and the visitor's browser
// then sends the page's requests to a loopback listener, with the page's name in `Host`. While
// some surface is served without a credential (no publish or admin tokens, a `verify = "none"`
// source; the config allows that only on a loopback listener), the Host header is what tells
// such a request from a local client's, so only loopback Hosts are served then.

import ipaddr from "ipaddr.js";
import type { RuntimeConfig } from "../config/runtime.ts";
import { HttpError } from "./errors.ts";

/** Whether something is served without a credential, so that the Host header is checked. */
export function servesWithoutCredentials(config: RuntimeConfig): boolean {
  return config.auth.publishTokens.length === 0 || config.auth.adminTokens.length === 0 || config.sources.some((s) => s.verify === "none");
}

// A host name or IP literal with an optional port, nothing else: no user info, path or spaces.
const HOST_SYNTAX = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::\d{1,5})?$/;

/**
 * `localhost` and loopback IP literals (127.0.0.0/8, ::1, ::ffff:127.x), with any port. Herald's
 * own listen address is one of these whenever the check applies. `*.localhost` is refused: not
 * every resolver keeps those names on the machine.
 */
export function isLoopbackHost(host: string): boolean {
  if (!HOST_SYNTAX.test(host)) return false;
  let name: string;
  try {
    // The WHATWG parser lowercases and reads every IPv4 spelling (0x7f.1, 2130706433).
    name = new URL(`http://${host}/`).hostname;
  } catch {
    return false;
  }
  name = name.replace(/\.$/, "");
  if (name === "localhost") return true;
  const literal = name.startsWith("[") ? name.slice(1, -1) : name;
  return ipaddr.isValid(literal) && ipaddr.process(literal).range() === "loopback";
}

/**
 * Refuses a request whose Host is not loopback while something is served without a credential.
 * Remembers the last Host it let through: local clients send the same one on every request.
 */
export function createHostCheck(): (config: RuntimeConfig, hostHeader: string | undefined) => void {
  let lastAllowed: string | undefined;
  return (config, hostHeader) => {
    if ((hostHeader !== undefined && hostHeader === lastAllowed) || !servesWithoutCredentials(config)) return;
    if (hostHeader !== undefined && isLoopbackHost(hostHeader)) {
      lastAllowed = hostHeader;
      return;
    }
    refuse(hostHeader);
  };
}

function refuse(hostHeader: string | undefined): never {
  const shown = hostHeader === undefined ? "missing" : JSON.stringify(hostHeader.slice(0, 100));
  throw new HttpError(
    421,
    "host_not_allowed",
    `the Host header (${shown}) is not a loopback name: without auth tokens Herald serves only requests to localhost, 127.0.0.0/8 or [::1] (a defence against DNS rebinding)`,
  );
}
