import { expect, test } from "bun:test";
import { detectDestinationType, platformOfHost } from "../../src/platforms/registry.ts";
import { inlineDestinationName, inlineHost } from "../../src/delivery/inline.ts";

test("platforms are told from the URL, and from the host of an inline destination's name", () => {
  expect(detectDestinationType("https://canary.discord.com/api/v10/webhooks/1/x")).toBe("discord");
  expect(detectDestinationType("https://discord.com/other")).toBe("custom");
  expect(detectDestinationType("https://hooks.slack.com/services/T/B/X")).toBe("slack");
  for (const [url, platform] of [
    ["https://discord.com/api/webhooks/1/token", "discord"],
    ["https://ptb.discord.com/api/webhooks/1/token", "discord"],
    ["https://hooks.slack.com/services/T/B/X", "slack"],
    ["https://receiver.example.com:8443/hook", "custom"],
  ] as const) {
    const name = inlineDestinationName(url);
    expect(name).not.toContain("token");
    expect(platformOfHost(inlineHost(name))).toBe(platform);
  }
});
