// classify(): what a receiver's answer means for the delivery. The one place that knows which
// statuses are retried and which are final; how each platform asks us to slow down, and words
// its errors, is read from its module (src/platforms/).

import type { AttemptOutcome } from "../core/retry-policy.ts";
import { platformOf } from "../platforms/registry.ts";
import type { SendResult } from "./sender.ts";

export interface Classification {
  outcome: AttemptOutcome;
  /** When set, the destination should send nothing more for this long (Discord's bucket is empty). */
  pauseMs?: number;
  /** Set with a permanent outcome when the platform said the webhook no longer exists: the destination is disabled. */
  gone?: boolean;
}

const RETRYABLE_4XX = new Set([408, 425, 429]);

export function classify(result: SendResult, type: string, now: number): Classification {
  if (result.kind === "error") {
    return result.error === "refused"
      ? { outcome: { kind: "permanent", reason: `refused: ${result.message}` } }
      : { outcome: { kind: "retryable", reason: `${result.error}: ${result.message}` } };
  }
  const { headers, body } = result;
  const { answer } = platformOf(type);
  const status = answer.statusOf?.(result.status, body) ?? result.status;
  const pauseMs = answer.pauseMs?.(headers);
  if (status >= 200 && status < 300) return { outcome: { kind: "succeeded" }, pauseMs };

  const retryAfterMs = parseRetryAfter(headers.get("retry-after"), now);
  if (status === 429 && answer.waitsOn429) {
    const waitMs = answer.retryAfterMs?.(body) ?? retryAfterMs ?? answer.fallbackWaitMs ?? 1_000;
    return { outcome: { kind: "rate_limited", reason: `HTTP 429: rate limited by ${type}`, waitMs }, pauseMs };
  }
  const reason = `HTTP ${status}${platformReason(answer.reason, body)}`;
  if ((status >= 300 && status < 400) || status >= 500 || RETRYABLE_4XX.has(status)) {
    const note = status >= 300 && status < 400 ? " (redirects are not followed)" : "";
    return { outcome: { kind: "retryable", reason: reason + note, retryAfterMs }, pauseMs };
  }
  // 410 Gone is the Standard Webhooks advice for an endpoint that was removed, on any platform.
  const gone = status === 410 || (answer.gone?.(status, body) ?? false);
  return { outcome: { kind: "permanent", reason }, pauseMs, ...(gone ? { gone } : {}) };
}

/** Retry-After is either delay-seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The platform's own words for a failure when it has any, else the body's plain text. */
function platformReason(read: ((body: string) => string | undefined) | undefined, body: string): string {
  const text = body.trim();
  if (!text) return "";
  return `: ${read?.(text) ?? text.slice(0, 200)}`;
}
