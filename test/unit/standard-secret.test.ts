// Standard Webhooks secrets in the config: only "whsec_" + base64 of at least 24 bytes, the
// shape the official libraries decode, for signing (destinations) and verifying (sources).
import { describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";

const RULE = 'a Standard Webhooks secret must be "whsec_" followed by base64 of at least 24 bytes; run `herald secret` to make one';
const GOOD = "whsec_" + randomBytes(32).toString("base64");
const SHORT = "whsec_" + randomBytes(16).toString("base64");

function problemsOf(toml: string, env: Record<string, string>): string[] {
  const result = parseConfigText(toml, "herald.toml", env);
  return result.ok ? [] : formatProblems(result.problems).split("\n");
}

const destination = (secret: string) => `[[destinations]]\nname = "a"\nurl = "https://a.example.com/h"\nsignature = "standard"\nsecret = ${secret}\n`;
const source = (secret: string) => `[[sources]]\nname = "s"\npath = "/in/s"\nverify = "standard"\nevent = "x"\nsecret = ${secret}\n`;

describe("a Standard Webhooks secret", () => {
  const refused = {
    "a plain string": "plain-secret-of-enough-length-123",
    "whsec_ with text that is not base64": "whsec_not base64!!",
    "whsec_ with unpadded base64": "whsec_" + randomBytes(32).toString("base64").replace(/=+$/, "").slice(0, 43),
    "whsec_ with only 16 bytes": SHORT,
    "whsec_ alone": "whsec_",
  };
  for (const [what, value] of Object.entries(refused)) {
    test(`${what} is a config error naming the key, for a destination and a source, without the value`, () => {
      const found = problemsOf(`${destination('"${S}"')}${source('"${S}"')}`, { S: value });
      expect(found).toEqual([`destinations[0].secret: ${RULE}`, `sources[0].secret: ${RULE}`]);
      if (value.length > "whsec_".length) expect(found.join("\n")).not.toContain(value.slice("whsec_".length));
    });
  }

  test("each rotated entry is checked under its own index", () => {
    const found = problemsOf(`${destination('["${GOOD}", "${S}"]')}${source('["${S}", "${GOOD}"]')}`, { S: "plain-old-secret", GOOD });
    expect(found).toEqual([`destinations[0].secret[1]: ${RULE}`, `sources[0].secret[0]: ${RULE}`]);
  });

  test("a whsec_ secret of 24 bytes or more passes, and the reference library accepts the same secret", () => {
    const min = "whsec_" + randomBytes(24).toString("base64");
    expect(problemsOf(`${destination(`["${GOOD}", "${min}"]`)}${source(`"${GOOD}"`)}`, {})).toEqual([]);
    for (const secret of [GOOD, min]) expect(() => new Webhook(secret)).not.toThrow();
  });

  test("other schemes keep taking any secret", () => {
    expect(problemsOf(`[[destinations]]\nname = "a"\nurl = "https://a.example.com/h"\nsignature = "timestamped"\nsecret = "plain"\n`, {})).toEqual([]);
  });
});
