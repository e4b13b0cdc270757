// A request that fails below HTTP: the runtime's error may quote the URL it was given, which for
// a pinned request is the IP form of the webhook URL, unknown to every scrubber. What Herald
// stores, logs, alerts and answers names the host, never the URL's path or query.
import { expect, test } from "bun:test";
import { configFrom } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";

const ADMIN = { authorization: "Bearer admin-token-0123456789" };
const PUBLISH = { authorization: "Bearer publish-token-0123456789" };
const LEAKY = "https://leaky.example.test/in/s3cr3t?k=abc123";
const INLINE = "https://inline.example.test/in/s3cr3t?k=abc123";

/** DNS for the test's names, and a network where the webhooks' address refuses with a chatty error. */
const addresses: Record<string, string> = { "leaky.example.test": "93.184.216.34", "inline.example.test": "93.184.216.34", "ops.example.test": "93.184.216.35" };
const chattyNetwork = (async (input: string | URL | Request) => {
  const url = new URL(String(input));
  if (url.hostname !== "93.184.216.34") return new Response("ok");
  // What runtimes say: the message and a `path` property quote the URL they dialled.
  throw Object.assign(new TypeError(`fetch failed: connect ECONNREFUSED ${url.href}`), { code: "ECONNREFUSED", path: url.href });
}) as typeof fetch;

test("a refused connection is stored, logged, alerted and shown as Herald's words and the host only", async () => {
  const h = createHarness(
    (db) =>
      configFrom(`
[storage]
path = "${db}"
[auth]
admin_tokens = ["admin-token-0123456789"]
publish_tokens = ["publish-token-0123456789"]
[delivery]
max_attempts = 1
[operational_events]
enabled = true
failing_after = 1
[[destinations]]
name = "hook"
url = "${LEAKY}"
[[destinations]]
name = "ops"
url = "https://ops.example.test/alerts"
[[routes]]
name = "all"
events = ["completed"]
to = ["hook"]
[[routes]]
name = "alerts"
events = ["herald.*"]
to = ["ops"]`),
    { resolve: async (host) => [addresses[host]!], fetch: chattyNetwork },
  );
  const published = await h.post("/v1/events", { event: "completed", data: {}, webhook: { url: INLINE, type: "custom", events: ["completed"] } }, PUBLISH);
  expect(published.status).toBe(202);
  await h.tickAndSettle();
  await h.tickAndSettle(); // the operational events, to "ops"

  const rows = h.query("SELECT id, destination, status, last_error FROM deliveries WHERE destination != 'ops' ORDER BY destination").all() as Array<Record<string, string>>;
  expect(rows.map(({ destination, status, last_error }) => ({ destination, status, last_error }))).toEqual([
    { destination: "hook", status: "failed", last_error: "gave up after 1 attempt: network: connection refused (ECONNREFUSED) at https://leaky.example.test via 93.184.216.34" },
    { destination: expect.stringMatching(/^inline:inline\.example\.test#/), status: "failed", last_error: "gave up after 1 attempt: network: connection refused (ECONNREFUSED) at https://inline.example.test via 93.184.216.34" },
  ]);

  const seen: string[] = [JSON.stringify(h.logs)];
  for (const query of ["SELECT error, response FROM attempts", "SELECT name, data FROM events", "SELECT last_error FROM deliveries"]) {
    seen.push(JSON.stringify(h.query(query).all()));
  }
  for (const row of rows) seen.push(await (await h.ingress.request(`/v1/deliveries/${row.id}`, { headers: ADMIN })).text());
  seen.push(await (await h.ingress.request("/v1/deliveries", { headers: ADMIN })).text());
  const everything = seen.join("\n");
  expect(everything).toContain("herald.delivery.failed"); // the alerts were raised, and looked at
  expect(everything).toContain("connection refused (ECONNREFUSED) at https://leaky.example.test");
  for (const secret of ["s3cr3t", "abc123", "/in/"]) expect({ secret, found: everything.includes(secret) }).toEqual({ secret, found: false });
});
