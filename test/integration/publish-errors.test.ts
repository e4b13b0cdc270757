// What a producer reads when a publish body is wrong: each issue names its field and what the
// field wants (the allowed values, the limit), in Herald's words. zod's defaults ("Invalid
// input", "expected string, received number", "Invalid option") never reach the producer.
import { describe, expect, test } from "bun:test";
import { configFrom } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";

type ErrorBody = { error: { code: string; message: string; issues: Array<{ path: string; message: string }> } };
const harness = () => createHarness((db) => configFrom(`[storage]\npath = "${db}"\n`), { resolve: async () => ["93.184.216.34"] });
const hook = (fields: Record<string, unknown> = {}) => ({ url: "https://receiver.example.com/hook", events: ["completed"], ...fields });

async function issues(h: ReturnType<typeof harness>, body: unknown, path = "/v1/events") {
  const response = await h.post(path, body);
  const answer = (await response.json()) as ErrorBody;
  return { status: response.status, code: answer.error.code, message: answer.error.message, issues: answer.error.issues };
}

describe("inline webhook errors name the field and what it takes", () => {
  test("a Telegram URL given inline is refused: it needs a configured destination with chat_id", async () => {
    const webhook = { url: "https://api.telegram.org/bot1:T/sendMessage", events: ["completed"] };
    expect((await issues(harness(), { event: "completed", data: {}, webhook })).issues).toEqual([
      { path: "webhook.url", message: "is a telegram URL; telegram needs a configured destination (docs/platforms.md), not an inline webhook" },
    ]);
  });

  // telegram (it needs chat_id) and ntfy (its topic URL is checked with the config) are config-only.
  for (const type of ["irc", "telegram", "ntfy"]) {
    test(`"type": "${type}" lists the types inline webhooks accept`, async () => {
      expect(await issues(harness(), { event: "completed", data: {}, webhook: hook({ type }) })).toEqual({
        status: 400,
        code: "invalid_body",
        message: "the body does not match the schema: webhook.type: must be one of discord, slack, teams, googlechat, custom",
        issues: [{ path: "webhook.type", message: "must be one of discord, slack, teams, googlechat, custom" }],
      });
    });
  }

  test("every inline field of the wrong type, or too long, says so", async () => {
    const h = harness();
    const wrong = { url: 7, type: 8, events: "completed", secret: 9, signature: "md5", signature_header: "Bad Header", on_find: "yes", colour: "red" };
    expect((await issues(h, { event: "completed", data: {}, webhook: wrong })).issues).toEqual([
      { path: "webhook.url", message: "must be a string" },
      { path: "webhook.type", message: "must be one of discord, slack, teams, googlechat, custom" },
      { path: "webhook.events", message: "must be a list of strings" },
      { path: "webhook.secret", message: "must be a string" },
      { path: "webhook.signature", message: "must be one of sha256, timestamped, standard, none" },
      { path: "webhook.signature_header", message: "is not a valid HTTP header name" },
      { path: "webhook.on_find", message: "must be true or false" },
      { path: "webhook.colour", message: "unknown field" },
    ]);
    const long = hook({ url: `https://receiver.example.com/${"a".repeat(2048)}`, secret: "s".repeat(513) });
    expect((await issues(h, { event: "completed", data: {}, webhook: [long] })).issues).toEqual([
      { path: "webhook[0].url", message: "must be at most 2048 characters" },
      { path: "webhook[0].secret", message: "must be at most 512 characters" },
    ]);
  });

  test("a misspelt field names the one meant, in a webhook and at the top", async () => {
    const h = harness();
    expect((await issues(h, { event: "completed", data: {}, webhook: [hook({ secrte: "s3cret-value" })] })).issues).toEqual([
      { path: "webhook[0].secrte", message: "unknown field (did you mean secret?)" },
    ]);
    expect((await issues(h, { event: "completed", dta: {} })).issues).toEqual([
      { path: "data", message: "is required" },
      { path: "dta", message: "unknown field (did you mean data?)" },
    ]);
  });

  test("more than 10 webhooks, or none, is one issue on webhook", async () => {
    const h = harness();
    expect(await issues(h, { event: "completed", data: {}, webhook: Array.from({ length: 11 }, () => hook()) })).toMatchObject({
      status: 400,
      message: "the body does not match the schema: webhook: at most 10 webhooks",
    });
    expect((await issues(h, { event: "completed", data: {}, webhook: [] })).issues).toEqual([{ path: "webhook", message: "must hold at least one webhook" }]);
  });
});

describe("no zod wording reaches a producer", () => {
  const ZOD_WORDS = /Invalid input|Invalid option|Invalid (string|type|enum)|expected \w+, received|Too (big|small)|Unrecognized key|received (number|string|boolean|array|object|null|undefined)/i;
  const wrongValues: unknown[] = [7, "text", true, null, [], [1], {}, { x: 1 }];
  const fields = ["event", "id", "timestamp", "data", "webhook"];
  const inlineFields = ["url", "type", "events", "secret", "signature", "signature_header", "on_find"];

  test("wrong types in every field of a publish and a batch body", async () => {
    const h = harness();
    const bodies: unknown[] = [...wrongValues, { events: 5 }];
    for (const value of wrongValues) {
      for (const field of fields) bodies.push({ event: "completed", data: {}, [field]: value });
      for (const field of inlineFields) bodies.push({ event: "completed", data: {}, webhook: hook({ [field]: value }) }, { event: "completed", data: {}, webhook: [hook({ [field]: value })] });
    }
    const seen: string[] = [];
    for (const body of bodies) {
      for (const [path, sent] of [["/v1/events", body], ["/v1/events/batch", { events: [body] }]] as const) {
        const response = await h.post(path, sent);
        const text = await response.text();
        if (response.status === 202 || response.status === 200) continue;
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        seen.push(text);
        expect({ body, path, text, zod: ZOD_WORDS.test(text) }).toEqual({ body, path, text, zod: false });
      }
    }
    expect(seen.length).toBeGreaterThan(200);
  });

  test("the admin API's bodies are worded the same way", async () => {
    expect(await issues(harness(), { status: 5, since: 3 }, "/v1/deliveries/retry")).toEqual({
      status: 400,
      code: "invalid_body",
      message: "invalid request: status: must be one of failed, expired, cancelled; since: must be a string",
      issues: [
        { path: "status", message: "must be one of failed, expired, cancelled" },
        { path: "since", message: "must be a string" },
      ],
    });
  });

  test("missing required fields say they are required", async () => {
    expect((await issues(harness(), { data: {} })).issues).toEqual([{ path: "event", message: "is required" }]);
    expect((await issues(harness(), { event: "completed" })).issues).toEqual([{ path: "data", message: "is required" }]);
  });
});
