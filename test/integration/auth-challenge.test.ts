// Every 401 says how to authenticate (WWW-Authenticate: Bearer, RFC 6750), and /metrics can be
// put behind its own token with [metrics] token (issue 23, item 17).
import { describe, expect, test } from "bun:test";
import { configFrom } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { manualClock } from "../helpers/clock.ts";
import { createLogger } from "../../src/log.ts";

const PUBLISH = "publish-token-0123456789";
const ADMIN = "admin-token-0123456789";
const METRICS = "metrics-token-0123456789";

function harness(metrics = "") {
  return createHarness((db) =>
    configFrom(
      `
[storage]
path = "${db}"
[auth]
publish_tokens = ["${PUBLISH}"]
admin_tokens = ["${ADMIN}"]
${metrics}`,
      { HERALD_METRICS_TOKEN: METRICS },
    ),
  );
}
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function answer(response: Response) {
  return { status: response.status, challenge: response.headers.get("www-authenticate"), body: await response.text() };
}

describe("401 answers carry WWW-Authenticate: Bearer", () => {
  test("publish, without a token and with a wrong one", async () => {
    const h = harness();
    const body = '{"error":{"code":"unauthorized","message":"missing or wrong bearer token (Authorization: Bearer <publish token>)"}}';
    for (const headers of [{}, bearer("wrong-token-0123456789"), bearer(ADMIN)]) {
      expect(await answer(await h.post("/v1/events", { event: "completed", data: {} }, headers))).toEqual({ status: 401, challenge: 'Bearer realm="herald"', body });
    }
    expect(await answer(await h.post("/v1/events/batch", { events: [] }))).toMatchObject({ status: 401, challenge: 'Bearer realm="herald"' });
  });

  test("admin", async () => {
    const h = harness();
    expect(await answer(await h.ingress.request("/v1/deliveries", { headers: bearer(PUBLISH) }))).toEqual({
      status: 401,
      challenge: 'Bearer realm="herald-admin"',
      body: '{"error":{"code":"unauthorized","message":"missing or wrong bearer token (Authorization: Bearer <admin token>)"}}',
    });
    expect((await h.ingress.request("/v1/deliveries", { headers: bearer(ADMIN) })).status).toBe(200);
  });
});

describe("[metrics] token", () => {
  test("without one, /metrics is open", async () => {
    const response = await harness().ingress.request("/metrics");
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("herald_events_received_total");
  });

  test("with one (from ${VAR}), a missing or wrong token is 401 with the challenge; the right one gets the metrics", async () => {
    const h = harness(`[metrics]\ntoken = "\${HERALD_METRICS_TOKEN}"`);
    const body = '{"error":{"code":"unauthorized","message":"missing or wrong bearer token (Authorization: Bearer <metrics token>)"}}';
    for (const headers of [{}, bearer("wrong-token-0123456789"), bearer(ADMIN), { authorization: METRICS }]) {
      expect(await answer(await h.ingress.request("/metrics", { headers }))).toEqual({ status: 401, challenge: 'Bearer realm="herald-metrics"', body });
    }
    const scraped = await h.ingress.request("/metrics", { headers: bearer(METRICS) });
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain("herald_outbox_pending");
  });

  test("the token is a secret like the others: scrubbed from log lines", () => {
    const config = configFrom(`[metrics]\ntoken = "${METRICS}"`);
    const lines: string[] = [];
    const logger = createLogger({ level: () => "debug", clock: manualClock(), sensitive: () => config.sensitive, write: (line) => lines.push(line) });
    logger.warn("probe", { said: `the token is ${METRICS}` });
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain(METRICS);
  });

  test("a short token is a config error naming the key", () => {
    expect(() => configFrom(`[metrics]\ntoken = "short"`)).toThrow("metrics.token: tokens must be at least 16 characters");
  });
});

