// Inline webhooks choose their signature like configured destinations (issue 23, item 14):
// `signature` (sha256 | timestamped | standard | none) and `signature_header`. A receiver
// running the seeds' own verifiers, or the Standard Webhooks library, accepts what it gets, and
// the choice is stored with the delivery, so every retry (after a restart too) signs the same way.
import { afterEach, describe, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";
import { seedVerifySpider, seedVerifyWebhook } from "../fixtures/seed-verifiers.ts";

const SECRET = "inline-secret-0123456789";
const WHSEC = "whsec_" + randomBytes(32).toString("base64");

let receiver: Receiver;
afterEach(() => receiver?.stop());

function harness(options: { realTime?: { idleWakeMs: number } } = {}) {
  return createHarness((db) => configFrom(`[storage]\npath = "${db}"\n${LOOPBACK_SECURITY}`), options);
}
const hook = (path: string, fields: Record<string, unknown>) => ({ url: `${receiver.url}${path}`, type: "custom", events: ["completed"], ...fields });
const byPath = (path: string) => receiver.requests.find((r) => r.path === path)!;

describe("inline webhook signatures", () => {
  test("each scheme verifies with the receiver's own verifier; the default stays sha256 in X-Herald-Signature", async () => {
    receiver = startReceiver();
    // The Standard Webhooks library checks the timestamp against the real clock.
    const h = harness({ realTime: { idleWakeMs: 1_000 } });
    const webhook = [
      hook("/evomi", { secret: SECRET, signature: "sha256", signature_header: "X-Evomi-Signature" }),
      hook("/spider", { secret: SECRET, signature: "timestamped", signature_header: "X-Spider-Signature" }),
      hook("/standard", { secret: WHSEC, signature: "standard" }),
      hook("/unsigned", { secret: SECRET, signature: "none" }),
      hook("/default", { secret: SECRET }),
    ];
    const published = await h.post("/v1/events", { event: "completed", data: { task_id: "t1" }, webhook });
    expect(published.status).toBe(202);
    await h.tickAndSettle();
    await receiver.waitFor(5);

    const evomi = byPath("/evomi");
    expect(seedVerifyWebhook({ headers: evomi.headers, body: JSON.parse(evomi.body) }, SECRET)).toBe(true);
    expect(evomi.headers["x-herald-signature"]).toBeUndefined();
    const spider = byPath("/spider");
    expect(seedVerifySpider(spider.body, spider.headers["x-spider-signature"]!, SECRET, Date.now() / 1000)).toBe(true);
    const standard = byPath("/standard");
    expect(new Webhook(WHSEC).verify(standard.body, standard.headers)).toEqual(JSON.parse(standard.body));
    const unsigned = byPath("/unsigned");
    expect(Object.keys(unsigned.headers).filter((name) => /signature/i.test(name))).toEqual([]);
    const fallback = byPath("/default");
    expect(fallback.headers["x-herald-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(seedVerifyWebhook({ headers: { "x-evomi-signature": fallback.headers["x-herald-signature"]! }, body: JSON.parse(fallback.body) }, SECRET)).toBe(true);
  });

  test("the choice is stored with the delivery, so a retry signs the same way", async () => {
    receiver = startReceiver(statusSequence(503, 200));
    const h = harness();
    const published = await h.post("/v1/events", {
      event: "completed",
      data: {},
      webhook: hook("/spider", { secret: SECRET, signature: "timestamped", signature_header: "X-Spider-Signature" }),
    });
    expect(published.status).toBe(202);
    const [stored] = h.query("SELECT target FROM deliveries").all() as Array<{ target: string }>;
    expect(JSON.parse(stored!.target)).toEqual({ url: `${receiver.url}/spider`, type: "custom", secret: SECRET, signature: "timestamped", signatureHeader: "X-Spider-Signature" });

    await h.tickAndSettle();
    h.clock.advance(31_000); // past the first backoff wait
    await h.tickAndSettle();
    const requests = await receiver.waitFor(2);
    expect(requests.map((r) => r.headers["x-herald-attempt"])).toEqual(["1", "2"]);
    for (const request of requests) expect(seedVerifySpider(request.body, request.headers["x-spider-signature"]!, SECRET, h.clock.now() / 1000)).toBe(true);
  });

  test("a standard signature without a whsec_ secret, or a scheme without a secret, is a 400 naming the field", async () => {
    receiver = startReceiver();
    const h = harness();
    const response = await h.post("/v1/events", {
      event: "completed",
      data: {},
      webhook: [hook("/a", { secret: "not-a-whsec-secret", signature: "standard" }), hook("/b", { signature: "sha256" })],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { issues: unknown } }).error.issues).toEqual([
      { path: "webhook[0].secret", message: 'a Standard Webhooks secret must be "whsec_" followed by base64 of at least 24 bytes; run `herald secret` to make one' },
      { path: "webhook[1].signature", message: '"sha256" needs a secret' },
    ]);
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
  });
});

describe("inline signature_header may not name a reserved header", () => {
  // Host replaced the pinned Host; Content-Length and Transfer-Encoding made the runtime drop the
  // signature, so the delivery went out unsigned and was marked succeeded.
  test("framing, hop-by-hop and Herald's own headers are a 400 naming the field and the header; nothing is stored", async () => {
    receiver = startReceiver();
    const h = harness();
    const names = ["Host", "content-length", "Transfer-Encoding", "Connection", "Proxy-Authorization", "Content-Type", "X-Herald-Event", "webhook-id"];
    const response = await h.post("/v1/events", {
      event: "completed",
      data: {},
      webhook: names.map((name, i) => hook(`/${i}`, { secret: SECRET, signature_header: name })),
    });
    expect(response.status).toBe(400);
    const issues = ((await response.json()) as { error: { issues: Array<{ path: string; message: string }> } }).error.issues;
    expect(issues.map((issue) => issue.path)).toEqual(names.map((_, i) => `webhook[${i}].signature_header`));
    expect(issues[0]!.message).toBe('"Host" is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here');
    expect(issues[6]!.message).toBe('"X-Herald-Event" is set by Herald and cannot be overridden');
    names.forEach((name, i) => expect(issues[i]!.message).toStartWith(`"${name}" `));
    expect(h.query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
    expect(receiver.requests).toEqual([]);
  });

  test("X-Herald-Signature, the default, may still be named", async () => {
    receiver = startReceiver();
    const h = harness();
    const response = await h.post("/v1/events", { event: "completed", data: {}, webhook: hook("/x", { secret: SECRET, signature_header: "x-herald-signature" }) });
    expect(response.status).toBe(202);
    await h.tickAndSettle();
    const [request] = await receiver.waitFor(1);
    expect(request!.headers["x-herald-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
  });
});
