// Standard Webhooks against the reference library (`standardwebhooks`) in both directions:
// what Herald sends verifies with `new Webhook(secret).verify`, and what the library signs is
// accepted at a Herald source, once: a replayed message is a duplicate however its
// webhook-signature header is rewritten.
import { afterEach, expect, test } from "bun:test";
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { configFrom, LOOPBACK_SECURITY, routeEverythingTo } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const newSecret = () => "whsec_" + randomBytes(32).toString("base64");
const SECRETS = [newSecret(), newSecret()];

let receiver: Receiver;
afterEach(() => receiver?.stop());

function harness(options: { realTime?: { idleWakeMs: number } } = {}) {
  receiver = startReceiver();
  return createHarness(
    (db) =>
      configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[[sources]]
name = "std"
path = "/in/std"
verify = "standard"
secret = ${JSON.stringify(SECRETS)}
event_field = "type"

[[destinations]]
name = "api"
url = "${receiver.url}/hook"
signature = "standard"
secret = ${JSON.stringify(SECRETS)}
${routeEverythingTo("api")}`),
    options,
  );
}

test("a delivery Herald signs verifies with the reference library, under every rotated secret", async () => {
  // The library checks the timestamp against the real clock, so Herald signs with it too.
  const h = harness({ realTime: { idleWakeMs: 1_000 } });
  const published = await h.post("/v1/events", { event: "completed", data: { task_id: "t1", n: 12 } });
  expect(published.status).toBe(202);
  await h.tickAndSettle();
  const [request] = await receiver.waitFor(1);
  for (const secret of SECRETS) expect(new Webhook(secret).verify(request!.body, request!.headers)).toEqual(JSON.parse(request!.body));
  expect(() => new Webhook(newSecret()).verify(request!.body, request!.headers)).toThrow();
  expect(request!.headers["webhook-id"]).toBe(((await published.json()) as { id: string }).id);
});

test("a message the reference library signs is stored once; replays with rewritten signatures are duplicates", async () => {
  const h = harness();
  const text = JSON.stringify({ type: "invoice.paid", data: { id: "in_1" } });
  const id = "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W";
  const date = new Date(h.clock.now());
  const [newest, oldest] = SECRETS.map((secret) => new Webhook(secret).sign(id, date, text));
  const headers = (signature: string) => ({ "webhook-id": id, "webhook-timestamp": String(Math.floor(date.getTime() / 1000)), "webhook-signature": signature });

  const first = await h.post("/in/std", text, headers(`${newest} ${oldest}`));
  expect(first.status).toBe(202);
  const firstBody = (await first.json()) as { id: string };
  for (const variant of [`${oldest} ${newest}`, `${newest} v1,AAAA`, `  ${oldest}   ${newest} `, oldest!, `v1,AAAA ${newest}`]) {
    const replay = await h.post("/in/std", text, headers(variant!));
    expect({ variant, status: replay.status, body: await replay.json() }).toMatchObject({ variant, status: 200, body: { id: firstBody.id, duplicate: true } });
  }
  expect(h.query("SELECT count(*) AS events, (SELECT count(*) FROM deliveries) AS deliveries FROM events").get()).toEqual({ events: 1, deliveries: 1 });
});
