// Baseline: a bare Hono-on-Bun server that parses the JSON body and answers 202 with a small
// JSON object, as Herald's publish endpoint does, but stores nothing.
import { Hono } from "hono";

const app = new Hono();
app.post("/v1/events", async (c) => {
  const body = (await c.req.json()) as { event?: string };
  return c.json({ id: "evt_echo", event: body.event ?? null, duplicate: false }, 202);
});
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
console.log(JSON.stringify({ port: server.port }));
