// Signatures checked by the receivers' own code: the Standard Webhooks reference verifier,
// its published test vector, and the seed documents' verification examples.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { customBody } from "../../src/delivery/format-custom.ts";
import { signatureHeaders } from "../../src/delivery/sign.ts";
import { seedVerifySpider, seedVerifyWebhook } from "../fixtures/seed-verifiers.ts";

const envelope = {
  event: "completed",
  timestamp: "2026-03-09T12:00:00.000Z",
  data: { task_id: "task_abc123", task_type: "scrape", url: "https://example.com", status: "success", credits_used: 5, result: { content: "<p>héllo ✓</p>", metadata: {} } },
};
const body = customBody(envelope);
const unixSeconds = Math.floor(Date.now() / 1000);

describe("custom body", () => {
  test("is compact JSON with keys in contract order, and survives a parse + re-serialize", () => {
    expect(body.startsWith('{"event":"completed","timestamp":"2026-03-09T12:00:00.000Z","data":{"task_id":"task_abc123"')).toBe(true);
    expect(JSON.stringify(JSON.parse(body))).toBe(body);
  });
});

describe("sha256 signatures", () => {
  test("pass the seed's own Node verification code, which re-serializes the parsed body", () => {
    const headers = signatureHeaders({ scheme: "sha256", secrets: ["your-webhook-secret"], header: "X-Evomi-Signature", body, eventId: "evt_1", unixSeconds });
    const received = { headers: { "x-evomi-signature": headers["X-Evomi-Signature"]! }, body: JSON.parse(body) };
    expect(seedVerifyWebhook(received, "your-webhook-secret")).toBe(true);
    expect(seedVerifyWebhook(received, "another-secret")).toBe(false);
  });

  test("rotation sends one signature per secret, newest first", () => {
    const headers = signatureHeaders({ scheme: "sha256", secrets: ["new", "old"], header: "X-Herald-Signature", body, eventId: "evt_1", unixSeconds });
    const expected = ["new", "old"].map((s) => `sha256=${createHmac("sha256", s).update(body).digest("hex")}`).join(",");
    expect(headers["X-Herald-Signature"]).toBe(expected);
  });
});

describe("timestamped signatures", () => {
  test("pass the Spider seed's verifier, and fail outside its tolerance", () => {
    const headers = signatureHeaders({ scheme: "timestamped", secrets: ["spider-key"], header: "X-Spider-Signature", body, eventId: "evt_1", unixSeconds });
    const header = headers["X-Spider-Signature"]!;
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(seedVerifySpider(body, header, "spider-key", unixSeconds + 10)).toBe(true);
    expect(seedVerifySpider(body, header, "spider-key", unixSeconds + 301)).toBe(false);
    expect(seedVerifySpider(body.replace("success", "failure"), header, "spider-key", unixSeconds)).toBe(false);
  });

  test("rotation: t=..,v1=a,v1=b", () => {
    const headers = signatureHeaders({ scheme: "timestamped", secrets: ["a", "b"], header: "X-Sig", body, eventId: "evt_1", unixSeconds: 1_700_000_000 });
    const sign = (s: string) => createHmac("sha256", s).update(`1700000000.${body}`).digest("hex");
    expect(headers["X-Sig"]).toBe(`t=1700000000,v1=${sign("a")},v1=${sign("b")}`);
  });
});

describe("Standard Webhooks signatures", () => {
  test("match the specification's published test vector", () => {
    const headers = signatureHeaders({
      scheme: "standard",
      secrets: ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"],
      header: "unused",
      body: '{"test": 2432232314}',
      eventId: "msg_p5jXN8AQM9LWM0D4loKWxJek",
      unixSeconds: 1614265330,
    });
    expect(headers["webhook-signature"]).toBe("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  });

  test("pass the npm standardwebhooks verifier, with every rotated key", () => {
    const keys = ["whsec_" + Buffer.from("0123456789abcdef0123456789abcdef").toString("base64"), "whsec_" + Buffer.from("fedcba9876543210fedcba9876543210").toString("base64")];
    const headers = signatureHeaders({ scheme: "standard", secrets: keys, header: "unused", body, eventId: "evt_01ABC", unixSeconds });
    expect(headers["webhook-id"]).toBe("evt_01ABC");
    expect(headers["webhook-signature"]!.split(" ")).toHaveLength(2);
    for (const key of keys) expect(new Webhook(key).verify(body, headers)).toEqual(JSON.parse(body));
    const stranger = "whsec_" + Buffer.from("not-the-key-not-the-key-not-the!").toString("base64");
    expect(() => new Webhook(stranger).verify(body, headers)).toThrow();
  });

  test("a secret without the whsec_ prefix is never used as its bytes (the config refuses it)", () => {
    expect(() => signatureHeaders({ scheme: "standard", secrets: ["plain-secret"], header: "unused", body, eventId: "evt_1", unixSeconds })).toThrow("herald secret");
  });
});

test("no secret, or scheme none, sends no signature header", () => {
  expect(signatureHeaders({ scheme: "none", secrets: ["s"], header: "X", body, eventId: "e", unixSeconds })).toEqual({});
  expect(signatureHeaders({ scheme: "sha256", secrets: [], header: "X", body, eventId: "e", unixSeconds })).toEqual({});
});
