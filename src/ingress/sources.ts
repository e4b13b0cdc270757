// Inbound sources: POST <source.path> from a provider. The signature is checked over the raw
// bytes before anything is parsed or stored; a verified request is committed, then answered
// 202 (200 for a duplicate), well inside a provider's few-second budget since nothing is sent
// before answering.

import type { Hono } from "hono";
import type { IngressDeps } from "./app.ts";
import { parseJson, readBody } from "./body.ts";
import { HttpError } from "./errors.ts";
import { routedDeliveries } from "./publish.ts";
import { sourceEvent } from "./source-event.ts";
import { answer, storeEvents } from "./store.ts";
import { verifySource } from "./verify-source.ts";

export function mountSources(app: Hono, deps: IngressDeps): void {
  // Registered last: Herald's own routes answer first; any other POST may be a source's path.
  app.post("*", async (c) => {
    const config = deps.config();
    const path = c.req.path.length > 1 ? c.req.path.replace(/\/+$/, "") : c.req.path;
    const source = config.sources.find((s) => s.path === path);
    if (!source) throw new HttpError(404, "not_found", `no route for POST ${c.req.path}`);

    const bytes = await readBody(c.req.raw, config.server.maxBodyBytes);
    const receivedAt = deps.clock.now();
    const verdict = verifySource(source, c.req.raw.headers, bytes, receivedAt);
    if (!verdict.ok) {
      deps.logger.warn("source.refused", { source: source.name, reason: verdict.reason });
      deps.refused.refused({ at: receivedAt, source: source.name, status: 401, reason: verdict.reason });
      throw new HttpError(401, "invalid_signature", `signature check failed: ${verdict.reason}`);
    }
    const body = parseJson(bytes);
    const event = sourceEvent(source, body, c.req.raw.headers, verdict.replayKey, receivedAt);
    if (!event.ok) {
      deps.logger.warn("source.refused", { source: source.name, reason: event.reason });
      deps.refused.refused({ at: receivedAt, source: source.name, status: 400, reason: event.reason });
      throw new HttpError(400, "reserved_event", `${event.reason}; nothing was stored`);
    }
    const { envelope, idempotencyKey } = event;
    const [result] = await storeEvents(deps, [
      {
        id: deps.ids.event(),
        name: envelope.event,
        idempotencyKey,
        timestamp: envelope.timestamp,
        data: JSON.stringify(envelope.data),
        receivedAt,
        deliveries: routedDeliveries(config, envelope, receivedAt, deps.ids, source.name),
        source: source.name,
        rawBody: new TextDecoder().decode(bytes),
      },
    ]);
    return c.json({ ...answer(result!), event: envelope.event }, result!.duplicate ? 200 : 202);
  });
}
