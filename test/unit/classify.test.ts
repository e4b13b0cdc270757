import { describe, expect, test } from "bun:test";
import { classify, parseRetryAfter } from "../../src/delivery/classify.ts";
import type { SendResult } from "../../src/delivery/sender.ts";

const now = Date.UTC(2026, 2, 9, 12, 0, 0);
const response = (status: number, headers: Record<string, string> = {}, body = ""): SendResult => ({ kind: "response", status, headers: new Headers(headers), body, durationMs: 5 });

describe("classify", () => {
  test("2xx succeeds", () => {
    for (const status of [200, 201, 202, 204]) expect(classify(response(status), "custom", now).outcome.kind).toBe("succeeded");
  });

  test("408, 425, 429, 5xx and 3xx are retried", () => {
    for (const status of [408, 425, 429, 500, 502, 503, 504, 301, 302, 307]) {
      expect(classify(response(status), "custom", now).outcome.kind).toBe("retryable");
    }
    const redirect = classify(response(302, { location: "https://elsewhere.example" }), "custom", now).outcome;
    expect(redirect.kind === "retryable" && redirect.reason).toContain("redirects are not followed");
  });

  test("other 4xx fail at once", () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422]) expect(classify(response(status), "custom", now).outcome.kind).toBe("permanent");
  });

  test("timeouts and network errors are retried; a refused address is final", () => {
    expect(classify({ kind: "error", error: "timeout", message: "t", durationMs: 1 }, "custom", now).outcome.kind).toBe("retryable");
    expect(classify({ kind: "error", error: "network", message: "ECONNRESET", durationMs: 1 }, "custom", now).outcome.kind).toBe("retryable");
    expect(classify({ kind: "error", error: "refused", message: "loopback", durationMs: 0 }, "custom", now).outcome.kind).toBe("permanent");
  });

  test("Retry-After in seconds or as an HTTP date", () => {
    expect(parseRetryAfter("120", now)).toBe(120_000);
    expect(parseRetryAfter(new Date(now + 90_000).toUTCString(), now)).toBe(90_000);
    expect(parseRetryAfter("soon", now)).toBeUndefined();
    const outcome = classify(response(503, { "retry-after": "60" }), "custom", now).outcome;
    expect(outcome).toEqual({ kind: "retryable", reason: "HTTP 503", retryAfterMs: 60_000 });
  });

  test("a Discord 429 waits the JSON retry_after and spends no attempt", () => {
    const result = classify(response(429, { "retry-after": "9" }, JSON.stringify({ retry_after: 1.25, global: false })), "discord", now);
    expect(result.outcome).toEqual({ kind: "rate_limited", reason: "HTTP 429: rate limited by discord", waitMs: 1_250 });
  });

  test("a Slack 429 waits Retry-After", () => {
    expect(classify(response(429, { "retry-after": "3" }, "rate_limited"), "slack", now).outcome).toEqual({ kind: "rate_limited", reason: "HTTP 429: rate limited by slack", waitMs: 3_000 });
  });

  test("Discord's empty bucket pauses the destination", () => {
    const result = classify(response(200, { "x-ratelimit-remaining": "0", "x-ratelimit-reset-after": "0.75" }), "discord", now);
    expect(result).toEqual({ outcome: { kind: "succeeded" }, pauseMs: 750 });
  });

  test("platform reasons are kept: Discord codes, Slack bodies", () => {
    const discord = classify(response(404, {}, JSON.stringify({ message: "Unknown Webhook", code: 10015 })), "discord", now).outcome;
    expect(discord).toEqual({ kind: "permanent", reason: "HTTP 404: Discord error 10015 (Unknown Webhook)" });
    const slack = classify(response(410, {}, "channel_is_archived"), "slack", now).outcome;
    expect(slack).toEqual({ kind: "permanent", reason: "HTTP 410: channel_is_archived" });
  });

  test("a webhook that is gone: 410 anywhere, Discord 10015 and 50027, Slack 404 no_service; other final answers are not", () => {
    const gone = (status: number, body: string, type: string) => classify(response(status, {}, body), type, now).gone ?? false;
    expect(gone(410, "", "custom")).toBe(true);
    expect(gone(404, JSON.stringify({ message: "Unknown Webhook", code: 10015 }), "discord")).toBe(true);
    expect(gone(401, JSON.stringify({ message: "Invalid Webhook Token", code: 50027 }), "discord")).toBe(true);
    expect(gone(404, "no_service", "slack")).toBe(true);
    expect(gone(404, "channel_not_found", "slack")).toBe(true);
    expect(gone(410, "channel_is_archived", "slack")).toBe(true);
    expect(gone(404, "", "custom")).toBe(false);
    expect(gone(400, JSON.stringify({ message: "Invalid Form Body", code: 50035 }), "discord")).toBe(false);
    expect(gone(403, "action_prohibited", "slack")).toBe(false);
    expect(gone(500, "", "custom")).toBe(false);
  });

  test("the newer platforms' 429s: Telegram's retry_after, a fallback wait when none is named, custom's is a retry", () => {
    const telegram = classify(response(429, {}, JSON.stringify({ ok: false, error_code: 429, description: "Too Many Requests: retry after 7", parameters: { retry_after: 7 } })), "telegram", now).outcome;
    expect(telegram).toEqual({ kind: "rate_limited", reason: "HTTP 429: rate limited by telegram", waitMs: 7_000 });
    expect(classify(response(429, {}, '{"code":42901,"http":429,"error":"limit reached"}'), "ntfy", now).outcome).toMatchObject({ kind: "rate_limited", waitMs: 5_000 });
    expect(classify(response(429, {}, '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED"}}'), "googlechat", now).outcome).toMatchObject({ kind: "rate_limited", waitMs: 2_000 });
    expect(classify(response(429, { "retry-after": "3" }), "teams", now).outcome).toMatchObject({ kind: "rate_limited", waitMs: 3_000 });
    expect(classify(response(429, { "retry-after": "3" }), "custom", now).outcome).toMatchObject({ kind: "retryable", retryAfterMs: 3_000 });
  });

  test("the newer platforms' reasons, and a Teams 2xx that relays a 429", () => {
    expect(classify(response(403, {}, '{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}'), "telegram", now).outcome).toEqual({ kind: "permanent", reason: "HTTP 403: Forbidden: bot was blocked by the user" });
    expect(classify(response(404, {}, '{"error":{"code":"WorkflowNotFound","message":"gone"}}'), "teams", now).outcome).toEqual({ kind: "permanent", reason: "HTTP 404: WorkflowNotFound (gone)" });
    expect(classify(response(403, {}, '{"error":{"code":403,"message":"no","status":"PERMISSION_DENIED"}}'), "googlechat", now).outcome).toEqual({ kind: "permanent", reason: "HTTP 403: PERMISSION_DENIED (no)" });
    expect(classify(response(401, {}, '{"code":40101,"http":401,"error":"unauthorized"}'), "ntfy", now).outcome).toEqual({ kind: "permanent", reason: "HTTP 401: ntfy error 40101 (unauthorized)" });
    const relayed = classify(response(200, { "retry-after": "4" }, "Microsoft Teams endpoint returned HTTP error 429 with ContextId abc"), "teams", now).outcome;
    expect(relayed).toEqual({ kind: "rate_limited", reason: "HTTP 429: rate limited by teams", waitMs: 4_000 });
  });
});
