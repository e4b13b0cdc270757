// classify(): what a receiver's answer means for the delivery. The one place that knows which
// statuses are retried, which are final, and how Discord and Slack ask us to slow down.

import type { AttemptOutcome } from "../core/retry-policy.ts";
import type { DestinationType } from "../core/types.ts";
import type { SendResult } from "./sender.ts";

export interface Classification {
  outcome: AttemptOutcome;
  /** When set, the destination should send nothing more for this long (Discord's bucket is empty). */
  pauseMs?: number;
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

export function classify(result: SendResult, type: DestinationType, now: number): Classification {
  if (result.kind === "error") {
    return result.error === "refused"
      ? { outcome: { kind: "permanent", reason: `refused: ${result.message}` } }
      : { outcome: { kind: "retryable", reason: `${result.error}: ${result.message}` } };
  }
  const { status, headers, body } = result;
  const pauseMs = type === "discord" ? discordPause(headers) : undefined;
  if (status >= 200 && status < 300) return { outcome: { kind: "succeeded" }, pauseMs };

  const retryAfterMs = parseRetryAfter(headers.get("retry-after"), now);
  if (status === 429 && type !== "custom") {
    const waitMs = (type === "discord" ? discordRetryAfter(body) : undefined) ?? retryAfterMs ?? 1_000;
    return { outcome: { kind: "rate_limited", reason: `HTTP 429: rate limited by ${type}`, waitMs }, pauseMs };
  }
  const reason = `HTTP ${status}${platformReason(type, body)}`;
  if ((status >= 300 && status < 400) || status >= 500 || RETRYABLE_4XX.has(status)) {
    const note = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
    return { outcome: { kind: "retryable", reason: reason + note, retryAfterMs }, pauseMs };
  }
  return { outcome: { kind: "permanent", reason }, pauseMs };
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Discord's 429 body: {"retry_after": <seconds, float>, "global": bool}; preferred over the header. */
function discordRetryAfter(body: string): number | undefined {
  try {
    const value = (JSON.parse(body) as { retry_after?: unknown }).retry_after;
    return typeof value === "number" && value >= 0 ? Math.ceil(value * 1000) : undefined;
  } catch {
    return undefined;
  }
}

function discordPause(headers: Headers): number | undefined {
  if (headers.get("x-ratelimit-remaining") !== "0") return undefined;
  const resetAfter = Number(headers.get("x-ratelimit-reset-after"));
  return Number.isFinite(resetAfter) && resetAfter > 0 ? Math.ceil(resetAfter * 1000) : undefined;
}

/** The platform's own words for a failure: Discord's JSON code and message, Slack's plain text. */
function platformReason(type: DestinationType, body: string): string {
  const text = body.trim();
  if (!text) return "";
  if (type === "discord") {
    try {
      const parsed = JSON.parse(text) as { code?: unknown; message?: unknown };
      if (parsed.code !== undefined) return `: Discord error ${String(parsed.code)} (${String(parsed.message ?? "")})`;
    } catch {
      // not JSON: fall through to the plain text
    }
  }
  return `: ${text.slice(0, 200)}`;
}
