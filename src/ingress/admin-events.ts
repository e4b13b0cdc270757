// The admin API's events: list stored events, read one, and replay them (new deliveries of the
// stored event). GET and POST /v1/events share a path with publishing, so each route here
// carries the admin guard itself rather than a guard on the whole prefix.

import type { Context, Hono } from "hono";
import { bulkReplayRequest, eventListRequest, listEvents, replayMatching, replayOne, replayProblems, replayRequest } from "../ops/events.ts";
import { eventJson } from "../ops/views.ts";
import { invalid, notFound, parse, type AdminDeps } from "./admin.ts";
import { readJsonBody } from "./body.ts";

type Guard = (c: Context, next: () => Promise<void>) => Promise<void>;

export function mountAdminEvents(app: Hono, deps: AdminDeps, guard: Guard): void {
  const { operator } = deps;
  // The body is optional: a bare POST replays to every matching destination.
  const body = (c: Context) => (c.req.raw.body === null || c.req.header("content-length") === "0" ? {} : readJsonBody(c.req.raw, deps.config().server.maxBodyBytes));

  app.get("/v1/events", guard, async (c) => c.json(await listEvents(operator, parse(eventListRequest, c.req.query(), "query"), deps.clock.now())));

  app.get("/v1/events/:id", guard, async (c) => {
    const id = c.req.param("id") ?? "";
    const event = await operator.getEvent(id);
    if (!event) throw notFound("event", id);
    return c.json(eventJson(event));
  });

  app.post("/v1/events/replay", guard, async (c) => {
    const request = parse(bulkReplayRequest, await body(c), "(body)");
    refuseUnreplayable(deps, request.destinations);
    const result = await replayMatching(operator, deps.config(), request, deps.clock.now());
    deps.logger.info("operator.replay", { events: result.events.length, deliveries: result.count, name: request.name, source: request.source, destinations: request.destinations });
    if (result.count > 0) deps.nudge();
    return c.json(result, 202);
  });

  app.post("/v1/events/:id/replay", guard, async (c) => {
    const id = c.req.param("id") ?? "";
    const request = parse(replayRequest, await body(c), "(body)");
    refuseUnreplayable(deps, request.destinations);
    const result = await replayOne(operator, deps.config(), id, request.destinations, deps.clock.now());
    if (!result) throw notFound("event", id);
    deps.logger.info("operator.replay", { event: id, deliveries: result.deliveries.length, destinations: result.deliveries.map((d) => d.destination) });
    if (result.deliveries.length > 0) deps.nudge();
    return c.json(result, 202);
  });
}

function refuseUnreplayable(deps: AdminDeps, destinations: string[] | undefined): void {
  const issues = replayProblems(deps.config(), destinations);
  if (issues.length > 0) throw invalid("(body)", issues);
}
