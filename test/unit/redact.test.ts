import { describe, expect, test } from "bun:test";
import { redactUrl, scrubSecrets, urlCredentials } from "../../src/core/redact.ts";

const DISCORD = "https://discord.com/api/webhooks/123456789012345678/AbCdEf_gh-IJKLmnopQRstuv0123456789";
const SLACK = "https://hooks.slack.com/services/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";

describe("webhook URLs are credentials", () => {
  test("shown as scheme, host and first path segment", () => {
    expect(redactUrl(DISCORD)).toBe("https://discord.com/api/***");
    expect(redactUrl(SLACK)).toBe("https://hooks.slack.com/services/***");
    expect(redactUrl("not a url")).toBe("[invalid url]");
  });

  test("a token that appears alone in a receiver's answer is scrubbed too", () => {
    const answer = `{"message":"Invalid Webhook Token","token":"AbCdEf_gh-IJKLmnopQRstuv0123456789"} and ${SLACK}`;
    const scrubbed = scrubSecrets(answer, [...urlCredentials(DISCORD), ...urlCredentials(SLACK)]);
    expect(scrubbed).toBe('{"message":"Invalid Webhook Token","token":"[redacted]"} and [redacted]');
  });

  test("plain words in a path are not mistaken for tokens", () => {
    expect(urlCredentials("https://hooks.example.com/services/channel_not_found")).toEqual(["https://hooks.example.com/services/channel_not_found"]);
  });
});
