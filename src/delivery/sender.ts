// The sender: the only code that touches the network. It checks the URL (SSRF guard), sends
// with a timeout, never follows redirects, reads at most RESPONSE_CAP decoded bytes of the
// answer, and never throws for an HTTP status: every result is a value for classify(). Its
// error messages never carry the URL's path or query (network-error.ts).

import type { Clock } from "../core/clock.ts";
import { formatDuration } from "../core/units.ts";
import type { SecurityPolicy } from "../core/url-policy.ts";
import { connectAddress, formatIp, parseIp, sameAddress } from "../core/addresses.ts";
import { describeNetworkError } from "./network-error.ts";
import { readCapped } from "./read-capped.ts";
import type { OutgoingRequest } from "./request.ts";
import { guardUrl, type Resolver } from "./ssrf-guard.ts";
import { sendPinned, type FetchLike } from "../runtime/pinned-fetch.ts";

/** Response bytes kept for the attempt log and for reading platform errors. */
export const RESPONSE_CAP = 4096;

export type SendResult =
  | { kind: "response"; status: number; headers: Headers; body: string; durationMs: number }
  | { kind: "error"; error: "timeout" | "network" | "refused" | "aborted"; message: string; durationMs: number };

export interface SenderDeps {
  clock: Clock;
  security: () => SecurityPolicy;
  /** The bounded resolver of delivery/resolver.ts: the guard resolves every name itself. */
  resolve: Resolver;
  /** Stands for the network in tests; by default the runtime's pinned client (runtime/pinned-fetch.ts). */
  fetch?: FetchLike;
}

export type Send = (request: OutgoingRequest, timeoutMs: number, signal?: AbortSignal) => Promise<SendResult>;

export function createSender({ clock, security, resolve, fetch: via }: SenderDeps): Send {
  return async (request, timeoutMs, signal) => {
    const started = clock.now();
    const elapsed = () => Math.max(0, clock.now() - started);
    // The lookup counts against the attempt's timeout; the operator may see the full detail.
    const guard = await guardUrl(request.url, security(), (host) => resolve(host, { timeoutMs }));
    if (!guard.ok) return { kind: "error", error: guard.transient ?? "refused", message: guard.detail ?? guard.reason, durationMs: elapsed() };
    const target = guard.address ? pinnedTarget(request, guard.address) : { url: request.url, headers: request.headers };
    if ("error" in target) return { kind: "error", error: "refused", message: target.error, durationMs: elapsed() };

    // One controller per attempt, aborted by a plain timer or by the caller's signal: cheaper
    // than AbortSignal.timeout plus AbortSignal.any, which the delivery loop paid per request.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutMs);
    const stop = () => controller.abort();
    if (signal?.aborted) controller.abort();
    signal?.addEventListener("abort", stop, { once: true });
    try {
      const response = await sendPinned(
        { url: target.url, method: "POST", headers: target.headers, body: request.body, signal: controller.signal, serverName: target.serverName },
        via,
      );
      const body = await readCapped(response, RESPONSE_CAP);
      return { kind: "response", status: response.status, headers: response.headers, body, durationMs: elapsed() };
    } catch (error) {
      if (signal?.aborted) return { kind: "error", error: "aborted", message: "stopped by shutdown", durationMs: elapsed() };
      if (timedOut) return { kind: "error", error: "timeout", message: `no complete answer within ${formatDuration(timeoutMs)}`, durationMs: elapsed() };
      return { kind: "error", error: "network", message: describeNetworkError(error, { url: request.url, address: guard.address }), durationMs: elapsed() };
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", stop);
    }
  };
}

/** The URL, headers and TLS server name of a request aimed at a checked address. */
export interface PinnedTarget {
  url: string;
  headers: Record<string, string>;
  serverName?: string;
}

/**
 * The request aimed at the address the guard checked rather than at the name: the URL's host
 * becomes the IP, the Host header keeps the name, and for https the TLS server name (SNI and
 * certificate check) stays the name. No second DNS lookup happens, so rebinding cannot bite.
 * The URL setter ignores a host it cannot parse and keeps the name, which fetch would look up
 * again: so the result is read back, and a pin that did not take is an error, never a fallback.
 */
export function pinnedTarget(request: OutgoingRequest, address: string): PinnedTarget | { error: string } {
  const url = new URL(request.url);
  const hostHeader = url.host;
  const serverName = url.protocol === "https:" ? url.hostname : undefined;
  const parsed = parseIp(address);
  const wanted = parsed && connectAddress(parsed);
  if (wanted) url.hostname = wanted.kind() === "ipv6" ? `[${formatIp(wanted)}]` : formatIp(wanted);
  const applied = parseIp(url.hostname);
  if (!wanted || !applied || !sameAddress(wanted, applied)) {
    return { error: `could not aim the request at the checked address ${address}; nothing was sent` };
  }
  return { url: url.toString(), headers: { ...request.headers, Host: hostHeader }, serverName };
}
