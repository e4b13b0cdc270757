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

  test("a first segment that is not a plain platform word is hidden: it may be the token", () => {
    expect(redactUrl("https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage")).toBe("https://api.telegram.org/***");
    expect(redactUrl("https://ntfy.sh/my-secret-topic")).toBe("https://ntfy.sh/***");
    expect(redactUrl("https://receiver.example.com/in/s3cr3t?k=abc123")).toBe("https://receiver.example.com/***");
    expect(redactUrl("https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t")).toBe("https://chat.googleapis.com/v1/***");
    expect(redactUrl("https://receiver.example.com/?k=abc123")).toBe("https://receiver.example.com/***");
    expect(redactUrl("https://receiver.example.com/")).toBe("https://receiver.example.com");
    expect(redactUrl("https://receiver.example.com/api")).toBe("https://receiver.example.com/api");
  });

  test("a token that appears alone in a receiver's answer is scrubbed too", () => {
    const answer = `{"message":"Invalid Webhook Token","token":"AbCdEf_gh-IJKLmnopQRstuv0123456789"} and ${SLACK}`;
    const scrubbed = scrubSecrets(answer, [...urlCredentials(DISCORD), ...urlCredentials(SLACK)]);
    expect(scrubbed).toBe('{"message":"Invalid Webhook Token","token":"[redacted]"} and [redacted]');
  });

  test("platform words in a path stay readable; every other segment and every query value is a credential", () => {
    expect(urlCredentials("https://hooks.example.com/services/hooks")).toEqual(["https://hooks.example.com/services/hooks"]);
    const custom = urlCredentials("http://127.0.0.1:9/hook/CUSTOMPATHSECRET?token=QTOKEN1&v=2");
    expect(custom).toContain("CUSTOMPATHSECRET");
    expect(custom).toContain("QTOKEN1");
    expect(custom).not.toContain("hook");
    expect(scrubSecrets("path was /hooks/MMSECRETHOOK", urlCredentials("http://chat.example/hooks/MMSECRETHOOK"))).toBe("path was /hooks/[redacted]");
  });
});
