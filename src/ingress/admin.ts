// The admin API (contract §3): list and inspect deliveries, resend, cancel; events in
// admin-events.ts, destinations' pause and resume in admin-destinations.ts. A
// destination filter must name a configured destination (or an inline one), else 400.
// Behind admin tokens; with none configured it is open on a loopback listener only, like
// publishing, and refused elsewhere.

import type { Context, Hono } from "hono";
import type { z } from "zod";
import { jsonIssueMessage } from "../config/issue-messages.ts";
import { isLoopback } from "../config/resolve.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Clock } from "../core/clock.ts";
import type { Logger } from "../log.ts";
import { bulkCancelRequest, bulkRetryRequest, cancelMatching, listDeliveries, listRequest, retryByIds, retryMatching, unknownDestination } from "../ops/operations.ts";
import { deliveryDetailJson } from "../ops/views.ts";
import type { Metrics } from "../ops/metrics.ts";
import type { OperatorStore } from "../outbox/types.ts";
import { mountAdminDestinations } from "./admin-destinations.ts";
import { mountAdminEvents } from "./admin-events.ts";
import { requireToken } from "./auth.ts";
import { readJsonBody } from "./body.ts";
import { badRequest, describeIssues, HttpError, issuesOf, type Issue } from "./errors.ts";

export interface AdminDeps {
  config: () => RuntimeConfig;
  clock: Clock;
  operator: OperatorStore;
  logger: Logger;
  /** Wakes the scheduler so a retried delivery goes out now. */
  nudge: () => void;
  /** A pause or resume was stored: the scheduler reads the holds again at once. */
  holdsChanged: () => void;
  metrics: Metrics;
}

export function mountAdmin(app: Hono, deps: AdminDeps): void {
  const { operator } = deps;
  const guard = requireAdmin(deps);
  app.use("/v1/deliveries", guard);
  app.use("/v1/deliveries/*", guard);

  app.get("/v1/deliveries", async (c) => {
    const request = parse(listRequest, c.req.query(), "query");
    refuseUnknownDestination(deps.config(), request.destination, "query");
    return c.json(await listDeliveries(operator, request));
  });

  app.get("/v1/deliveries/:id", async (c) => c.json(await detail(operator, c.req.param("id"))));

  app.post("/v1/deliveries/retry", async (c) => {
    const request = parse(bulkRetryRequest, await readJsonBody(c.req.raw, deps.config().server.maxBodyBytes), "(body)");
    refuseUnknownDestination(deps.config(), request.destination, "(body)");
    const result = await retryMatching(operator, deps.config(), request, deps.clock.now());
    deps.logger.info("operator.retry", { count: result.retried.length, status: request.status, since_ms: request.since, destination: request.destination });
    if (result.retried.length > 0) deps.nudge();
    return c.json({ count: result.retried.length });
  });

  app.post("/v1/deliveries/cancel", async (c) => {
    const request = parse(bulkCancelRequest, await readJsonBody(c.req.raw, deps.config().server.maxBodyBytes), "(body)");
    refuseUnknownDestination(deps.config(), request.destination, "(body)");
    const { cancelled } = await cancelMatching(operator, request, deps.clock.now());
    deps.logger.info("operator.cancel", { count: cancelled.length, status: request.status, destination: request.destination });
    for (const delivery of cancelled) deps.metrics.finished(delivery.destination, "cancelled");
    return c.json({ count: cancelled.length });
  });

  app.post("/v1/deliveries/:id/retry", async (c) => {
    const id = c.req.param("id");
    const { retried, skipped } = await retryByIds(operator, deps.config(), [id], deps.clock.now());
    if (skipped[0]) throw skipped[0].reason === "unknown delivery" ? notFound("delivery", id) : new HttpError(409, "conflict", `delivery ${id} cannot be retried now: ${skipped[0].reason}`);
    deps.logger.info("operator.retry", { count: retried.length, delivery: id });
    deps.nudge();
    return c.json(await detail(operator, id));
  });

  app.post("/v1/deliveries/:id/cancel", async (c) => {
    const id = c.req.param("id");
    const result = await operator.cancel(id, deps.clock.now());
    if (result.kind === "unknown") throw notFound("delivery", id);
    if (result.kind === "not_pending") throw new HttpError(409, "conflict", `delivery ${id} is ${result.status.replace("_", " ")}; only a pending delivery can be cancelled`);
    const cancelled = await detail(operator, id);
    deps.logger.info("operator.cancel", { delivery: id, destination: cancelled.destination });
    deps.metrics.finished(cancelled.destination, "cancelled");
    return c.json(cancelled);
  });

  mountAdminEvents(app, deps, guard);
  mountAdminDestinations(app, deps, guard);
}

export function requireAdmin(deps: AdminDeps) {
  return async (c: Context, next: () => Promise<void>) => {
    const config = deps.config();
    const accepted = config.auth.adminTokens;
    if (accepted.length === 0 && !isLoopback(config.server.host)) {
      throw new HttpError(403, "admin_disabled", "the admin API needs auth.admin_tokens when server.listen is not a loopback address");
    }
    if (accepted.length > 0) requireToken(c.req.header("authorization"), accepted, "admin");
    await next();
  };
}

async function detail(operator: OperatorStore, id: string) {
  const found = await operator.getDelivery(id);
  if (!found) throw notFound("delivery", id);
  return deliveryDetailJson(found.delivery, found.attempts);
}

/** A filter naming no configured destination is a 400 with the CLI's wording, not an empty answer. */
function refuseUnknownDestination(config: RuntimeConfig, destination: string | undefined, root: "query" | "(body)"): void {
  const problem = unknownDestination(config, destination);
  if (problem) throw invalid(root, [{ path: "destination", message: problem }]);
}

export function parse<T extends z.ZodType>(schema: T, input: unknown, root: string): z.output<T> {
  const parsed = schema.safeParse(input, { error: jsonIssueMessage });
  if (parsed.success) return parsed.data;
  throw invalid(root, issuesOf(parsed.error, root));
}

export const invalid = (root: string, issues: Issue[]) => badRequest(`invalid ${root === "query" ? "query" : "request"}: ${describeIssues(issues)}`, issues);

export const notFound = (what: string, id: string) => new HttpError(404, "not_found", `no ${what} ${JSON.stringify(id.slice(0, 64))}`);
