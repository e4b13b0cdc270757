// Small readers that several platforms' answer handling and formatters share.

import type { FormattedRequest } from "./platform.ts";

/** The parsed body, or undefined when it is not JSON. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

/** A non-negative number of seconds as whole milliseconds (rounded up), else undefined. */
export function secondsToMs(value: unknown): number | undefined {
  return typeof value === "number" && Number.isFinite(value) && value >= 0 ? Math.ceil(value * 1000) : undefined;
}

/** A JSON body POSTed to `url`. */
export function jsonRequest(url: string, body: string): FormattedRequest {
  return { url, headers: { "Content-Type": "application/json" }, body };
}

/** Google-style error bodies, {"error": {"code", "message", "status"}} (Google Chat, Azure Logic Apps). */
export function googleStyleReason(body: string): string | undefined {
  const error = (parseJson(body) as { error?: { code?: unknown; message?: unknown; status?: unknown } } | undefined)?.error;
  if (!error || typeof error !== "object") return undefined;
  const name = typeof error.status === "string" ? error.status : typeof error.code === "string" ? error.code : undefined;
  const message = typeof error.message === "string" ? error.message.slice(0, 200) : "";
  return name ? `${name}${message ? ` (${message})` : ""}` : message || undefined;
}
