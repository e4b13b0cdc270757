// The OpenAPI document: valid OpenAPI 3.1 by a real validator, listing every route the app
// serves, committed up to date, served at /openapi.json; and real answers match its schemas.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Validator } from "@seriousme/openapi-schema-validator";
import { afterEach, describe, expect, test } from "bun:test";
import * as answers from "../../src/ingress/answer-schemas.ts";
import { buildOpenApiDocument, openApiText } from "../../src/ingress/openapi.ts";
import { relayConfig } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const harness = () => createHarness((db) => relayConfig(db, receiver.url));

describe("the OpenAPI document", () => {
  test("is valid OpenAPI 3.1", async () => {
    const result = await new Validator().validate(JSON.parse(openApiText()));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(buildOpenApiDocument().openapi).toBe("3.1.0");
  });

  test("describes every route the app serves", () => {
    receiver = startReceiver();
    const h = harness();
    const documented = buildOpenApiDocument().paths ?? {};
    // Middleware is registered as ALL; "/*" is the [[sources]] catch-all, whose paths come from
    // the config; /ui is the dashboard's HTML.
    const served = h.ingress.routes.filter((r) => r.method !== "ALL" && r.path !== "/*" && !r.path.startsWith("/ui"));
    expect(served.length).toBeGreaterThan(15);
    const missing = served.filter((r) => !(documented[r.path.replace(/:(\w+)/g, "{$1}")] as Record<string, unknown> | undefined)?.[r.method.toLowerCase()]);
    expect(missing.map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  test("admin endpoints list 500 and 503; the events limit states its bounds; bulk replay's body is required", () => {
    const paths = buildOpenApiDocument().paths as Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown>; parameters?: Array<{ name: string; schema: { description?: string; pattern?: string } }>; requestBody?: { required?: boolean } }>>;
    const adminOps = Object.entries(paths).flatMap(([path, ops]) => Object.entries(ops).filter(([, op]) => op.tags?.includes("admin")).map(([method, op]) => ({ at: `${method} ${path}`, op })));
    expect(adminOps.length).toBeGreaterThanOrEqual(10);
    for (const { at, op } of adminOps) expect({ at, has: ["500", "503"].every((s) => s in op.responses) }).toEqual({ at, has: true });
    const limit = paths["/v1/events"]!.get!.parameters!.find((p) => p.name === "limit")!;
    expect(limit.schema).toMatchObject({ description: "rows per page: a whole number from 1 to 500, 50 by default", pattern: "^\\d+$" });
    expect(paths["/v1/events/replay"]!.post!.requestBody!.required).toBe(true);
  });

  test("docs/openapi.json is what npm run openapi writes now", () => {
    const committed = readFileSync(join(import.meta.dirname!, "..", "..", "docs", "openapi.json"), "utf8");
    expect(committed === openApiText()).toBe(true);
  });

  test("is served at /openapi.json without a token", async () => {
    receiver = startReceiver();
    const response = await harness().ingress.request("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toStartWith("application/json");
    expect(await response.text()).toBe(openApiText());
  });

  test("real answers match the documented schemas exactly", async () => {
    receiver = startReceiver(() => new Response("no", { status: 500 }));
    const h = harness();
    const published = (await (await h.post("/v1/events", { event: "completed", data: { a: 1 } })).json()) as any;
    expect(answers.publishAnswer.parse(published)).toEqual(published);
    await h.tickAndSettle();
    const read = async (path: string, init?: RequestInit) => (await h.ingress.request(path, init)).json();
    answers.eventListAnswer.parse(await read("/v1/events"));
    answers.eventAnswer.parse(await read(`/v1/events/${published.id}`));
    answers.deliveryListAnswer.parse(await read("/v1/deliveries"));
    answers.deliveryDetailAnswer.parse(await read(`/v1/deliveries/${published.deliveries[0].id}`));
    answers.replayAnswer.parse(await read(`/v1/events/${published.id}/replay`, { method: "POST" }));
    answers.bulkReplayAnswer.parse(await read("/v1/events/replay", { method: "POST", headers: { "content-type": "application/json" }, body: '{"name": "completed"}' }));
    answers.errorAnswer.parse(await read("/v1/events?limit=x"));
    answers.healthAnswer.parse(await read("/healthz"));
  });
});
