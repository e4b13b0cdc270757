// A custom destination's body_template, end to end: published through the real ingress into a
// real SQLite file, then the receiver gets exactly the templated bytes, signed over them.
import { afterEach, describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { configFrom, relayToml } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver | undefined;
afterEach(() => {
  receiver?.stop();
  receiver = undefined;
});

const TEMPLATE = `'''
{"text": "{event}: {data.url}",
 "count": {data.pages}, "meta": {data.meta}, "missing": {data.nope}, "id": "{id}"}'''`;

function harness(template = TEMPLATE) {
  receiver = startReceiver();
  const url = receiver.url;
  return createHarness((db) => configFrom(relayToml(db, url, { destination: `secret = "template-secret"\nbody_template = ${template}` })));
}

describe("body_template", () => {
  test("the receiver gets exactly the templated bytes, hostile values escaped, and the signature covers them", async () => {
    const h = harness();
    const url = 'https://e.x/?q="a"&b\\c\nnext </script> é 😀 \u2028 {data.pages}';
    const published = await h.post("/v1/events", { event: "completed", data: { url, pages: 3, meta: { tag: "<b>" } } });
    expect(published.status).toBe(202);
    const { id, deliveries } = (await published.json()) as { id: string; deliveries: Array<{ id: string }> };
    await h.tickAndSettle();
    const [request] = await receiver!.waitFor(1);
    expect(request!.body).toBe(
      // TOML drops the newline right after the opening ''' of a multi-line string.
      `{"text": "completed: https://e.x/?q=\\"a\\"\\u0026b\\\\c\\nnext \\u003c/script\\u003e é 😀 \\u2028 {data.pages}",\n "count": 3, "meta": {"tag":"\\u003cb\\u003e"}, "missing": null, "id": "${id}"}`,
    );
    expect(JSON.parse(request!.body)).toEqual({ text: `completed: ${url}`, count: 3, meta: { tag: "<b>" }, missing: null, id });
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["x-herald-signature"]).toBe(`sha256=${createHmac("sha256", "template-secret").update(request!.body).digest("hex")}`);
    expect(h.deliveryRow(deliveries[0]!.id).status).toBe("succeeded");
  });
});
