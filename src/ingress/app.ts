// The HTTP ingress (Hono): publish endpoints, health and readiness. A 2xx from the publish
// endpoints is sent only after the storage transaction holding the event has committed.

import { Hono, type Context } from "hono";
import type { z } from "zod";
import { errorMessage } from "../core/errors.ts";
import type { Logger } from "../log.ts";
import { isStorageFault } from "../outbox/errors.ts";
import { UnconfirmedCommit, type Commit } from "../outbox/group-commit.ts";
import type { EnqueueResult, OperatorStore, Outbox } from "../outbox/types.ts";
import type { Metrics } from "../ops/metrics.ts";
import { mountAdmin } from "./admin.ts";
import { mountDashboard, type DashboardDeps } from "../dashboard/mount.tsx";
import { openApiText } from "./openapi.ts";
import type { NotReady, StorageHealth } from "./readiness.ts";
import { mountSources } from "./sources.ts";
import { answer, storeEvents } from "./store.ts";
import { requireToken } from "./auth.ts";
import { createHostCheck } from "./host-check.ts";
import { readJsonBody } from "./body.ts";
import { badRequest, describeIssues, errorResponse, HttpError, issuesOf, STORAGE_RETRY_AFTER_S } from "./errors.ts";
import { checkInlineWebhooks, type InlineCheckDeps } from "./inline-checks.ts";
import { toNewEvent, type PublishDeps } from "./publish.ts";
import { jsonIssueMessage } from "../config/issue-messages.ts";
import { batchBody, publishBody, type PublishBody } from "./schemas.ts";

export interface IngressDeps extends PublishDeps, InlineCheckDeps, DashboardDeps {
  outbox: Outbox;
  /** Stores events durably; requests arriving together share a transaction (group commit). */
  commit: Commit;
  operator: OperatorStore;
  logger: Logger;
  /** Wakes the scheduler: new deliveries start without waiting for a poll. */
  nudge: () => void;
  /** A pause or resume was stored: the scheduler reads the holds again at once. */
  holdsChanged: () => void;
  /** Why Herald is not ready, or undefined when it is. */
  notReady: () => Promise<NotReady | undefined>;
  metrics: Metrics;
  /** Told of every storage fault and every stored write, for /readyz. */
  storage: StorageHealth;
}

const isRead = (method: string) => method === "GET" || method === "HEAD";

export function createIngress(deps: IngressDeps): Hono {
  const app = new Hono();

  /** Readiness and the log hear of every storage fault an answer meets; the answer says what it means for this request. */
  const storageFault = (error: unknown, method: string): string => {
    deps.storage.failed(deps.clock.now(), errorMessage(error));
    deps.logger.error("ingress.storage_unavailable", { error: errorMessage(error) });
    // After a failed fsync the rows are committed but maybe not on disk: say so, since a retry
    // without an id stores the event again.
    if (error instanceof UnconfirmedCommit) return "the database could not confirm the write reached the disk; try again (an event sent again with the same id is stored once)";
    return isRead(method) ? "the database cannot be read right now; try again" : "the database cannot take writes right now; nothing was stored, try again";
  };

  app.onError((error, c) => {
    if (error instanceof HttpError) return errorResponse(c, error);
    if (isStorageFault(error)) {
      return errorResponse(c, new HttpError(503, "storage_unavailable", storageFault(error, c.req.method), undefined, { "retry-after": STORAGE_RETRY_AFTER_S }));
    }
    deps.logger.error("ingress.error", { error: errorMessage(error) });
    // Only a write can promise that nothing was stored; a read just failed.
    return errorResponse(c, new HttpError(500, "internal_error", isRead(c.req.method) ? "internal error; try again" : "internal error; nothing was stored"));
  });
  app.notFound((c) => errorResponse(c, new HttpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`)));

  // Before every route, /healthz included: a rebinding page learns nothing, not even that Herald runs.
  // A request built in-process (tests) has no Host header; its URL's host stands in.
  const checkHost = createHostCheck();
  app.use("*", async (c, next) => {
    checkHost(deps.config(), c.req.header("host") ?? new URL(c.req.url).host);
    await next();
  });

  app.get("/healthz", (c) => c.json({ status: "ok" }));
  // Public like /healthz (probes carry no token): the answer names the failing check, and the
  // storage's message, which may name hosts, roles or files, goes to the log when it changes.
  let loggedDetail: string | undefined;
  app.get("/readyz", async (c) => {
    const notReady = await deps.notReady();
    if (notReady?.detail !== loggedDetail) {
      loggedDetail = notReady?.detail;
      if (notReady?.detail !== undefined) deps.logger.warn("readiness.not_ready", { reason: notReady.reason, detail: notReady.detail });
    }
    return notReady ? c.json({ status: "not_ready", reason: notReady.reason }, 503) : c.json({ status: "ready" });
  });

  // Public like /healthz: the document is the same for every Herald of this version and holds
  // nothing of the config (no destinations, sources or tokens), and API tools fetch it unaided.
  app.get("/openapi.json", (c) => c.body(openApiText(), 200, { "content-type": "application/json" }));

  app.get("/metrics", async (c) => {
    const { token } = deps.config().metrics;
    if (token !== undefined) requireToken(c.req.header("authorization"), [token], "metrics");
    return c.body(await deps.metrics.render(), 200, { "content-type": deps.metrics.contentType });
  });

  app.post("/v1/events", async (c) => {
    const body = await parseBody(c, deps, publishBody);
    if (body.webhook !== undefined) await refuseBadWebhooks([{ body, path: "" }], deps);
    const [result] = await store(deps, [body]);
    return c.json(answer(result!), result!.duplicate ? 200 : 202);
  });

  app.post("/v1/events/batch", async (c) => {
    const { events } = await parseBody(c, deps, batchBody);
    if (events.some((body) => body.webhook !== undefined)) await refuseBadWebhooks(events.map((body, i) => ({ body, path: `events[${i}].` })), deps);
    return c.json({ results: (await store(deps, events)).map(answer) }, 202);
  });

  mountAdmin(app, deps);
  // Before the sources: their catch-all POST would otherwise answer the dashboard's forms.
  mountDashboard(app, deps, storageFault);
  mountSources(app, deps);

  return app;
}

async function parseBody<T extends z.ZodType>(c: Context, deps: IngressDeps, schema: T): Promise<z.output<T>> {
  const accepted = deps.config().auth.publishTokens;
  if (accepted.length > 0) requireToken(c.req.header("authorization"), accepted, "publish");
  const json = await readJsonBody(c.req.raw, deps.config().server.maxBodyBytes);
  const parsed = schema.safeParse(json, { error: jsonIssueMessage });
  if (!parsed.success) {
    const issues = issuesOf(parsed.error, "(body)", schema);
    throw badRequest(`the body does not match the schema: ${describeIssues(issues)}`, issues);
  }
  return parsed.data;
}

/** Resolves the inline webhooks' hosts (DNS): callers skip it when no body has one, the usual case. */
async function refuseBadWebhooks(bodies: Array<{ body: PublishBody; path: string }>, deps: IngressDeps) {
  const issues = await checkInlineWebhooks(bodies, deps);
  if (issues.length > 0) throw badRequest(`webhook refused: ${describeIssues(issues)}`, issues);
}

function store(deps: IngressDeps, bodies: PublishBody[]): Promise<EnqueueResult[]> {
  return storeEvents(deps, bodies.map((body) => toNewEvent(body, deps)));
}

