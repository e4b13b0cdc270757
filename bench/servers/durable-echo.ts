// Floor for ingest: the Hono echo server (echo.ts) plus the storage work every accepted event
// needs in Herald's outbox, and nothing else of Herald's (no validation, routing, idempotency
// lookup, logging, metrics or scheduler). Each request's event and its delivery row are
// committed with the others that arrived in the same turn of the event loop, and the WAL is
// fsynced off the thread before the 202, as Herald does (its own group commit, Outbox,
// background checkpoints and synchronous = "full"). How far this falls short of the echo
// server is what durable storage alone costs on this machine; how far Herald falls short of
// this is everything else.
import { Hono } from "hono";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { systemClock } from "../../src/core/clock.ts";
import { createIdGenerator } from "../../src/core/ids.ts";
import { createGroupCommit } from "../../src/outbox/group-commit.ts";
import { startBackgroundCheckpoints } from "../../src/outbox/sqlite/background-checkpoint.ts";
import { openOutbox } from "../../src/outbox/sqlite/outbox.ts";

const { outbox, handle } = openOutbox(join(mkdtempSync(join(tmpdir(), "durable-echo-")), "herald.db"), { synchronous: "full" });
// Herald copies the WAL back into the database on a worker thread, and so does the floor.
startBackgroundCheckpoints(handle, { onProblem: ({ message }) => console.error(`durable-echo: checkpoints: ${message}`) });
const commit = createGroupCommit(outbox);
const ids = createIdGenerator(systemClock);

const app = new Hono();
app.post("/v1/events", async (c) => {
  const body = (await c.req.json()) as { event: string; data: unknown };
  const now = Date.now();
  const [stored] = await commit([
    {
      id: ids.event(),
      name: body.event,
      timestamp: new Date(now).toISOString(),
      data: JSON.stringify(body.data),
      receivedAt: now,
      deliveries: [{ id: ids.delivery(), destination: "parked", expiresAt: now + 86_400_000 }],
    },
  ]);
  return c.json({ id: stored!.eventId, deliveries: stored!.deliveries, duplicate: false }, 202);
});
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
console.log(JSON.stringify({ port: server.port }));
