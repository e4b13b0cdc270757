// Inbound sources on the real daemon (and, in CI, the compiled binary): a provider's signed
// webhook in, a verified and retried delivery out.
import { afterEach, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  receiver = undefined;
});

const SPIDER_KEY = "sk-spider-e2e-0123456789";

test("a Spider webhook is verified, answered 202, and relayed with retries; a forged one gets 401", async () => {
  receiver = startReceiver(statusSequence(503, 200));
  const config = writeConfig(
    relayToml("{{db}}", receiver.url, {
      extra: `[delivery]\nbackoff = ["100ms"]\njitter = 0\n[[sources]]\nname = "spider"\npath = "/in/spider"\nverify = "timestamped"\nheader = "X-Spider-Signature"\nsecret = "\${SPIDER_KEY}"\nevent_rules = [{ has = "content", event = "on_find" }, { has = "mode", event = "on_website_status" }]\n`,
    }),
  );
  daemon = await startDaemon(config.path, { SPIDER_KEY });
  const body = JSON.stringify({ crawl_id: "c1", url: "https://example.com/page", status_code: 200, content: "<html></html>", domain: "example.com" });
  const t = Math.floor(Date.now() / 1000);
  const sign = (text: string) => `t=${t},v1=${createHmac("sha256", SPIDER_KEY).update(`${t}.${text}`).digest("hex")}`;
  const post = (text: string, signature: string) =>
    fetch(`${daemon!.url}/in/spider`, { method: "POST", headers: { "content-type": "application/json", "x-spider-signature": signature }, body: text });

  const accepted = await post(body, sign(body));
  expect(accepted.status).toBe(202);
  expect(await accepted.json()).toMatchObject({ event: "on_find", duplicate: false, deliveries: [{ destination: "recv" }] });
  const forged = await post(body.replace("page", "evil"), sign(body));
  expect(forged.status).toBe(401);

  await daemon.waitForLog((l) => l.msg === "delivery.succeeded");
  expect(receiver.requests).toHaveLength(2);
  const delivered = JSON.parse(receiver.requests[1]!.body);
  expect(delivered).toMatchObject({ event: "on_find", data: { url: "https://example.com/page", status_code: 200 } });
  expect(daemon.output()).not.toContain(SPIDER_KEY);
  expect(daemon.lines.some((l) => l.msg === "source.refused" && l.source === "spider")).toBe(true);
});
