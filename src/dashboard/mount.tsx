/** @jsxImportSource hono/jsx */
// The dashboard at /ui ([dashboard] enabled = true): server-rendered pages (hono/jsx) over the
// OperatorStore, with htmx (embedded) refreshing the lists. Every action is a plain POST form,
// so the pages work without JavaScript too. Never a URL or a secret on a page: records are shown
// as ops/views.ts shows them, the config as `herald check` prints it.

import { Hono, type Context } from "hono";
import type { Child } from "hono/jsx";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { HTTPException } from "hono/http-exception";
import { sendSample } from "../commands/test-destination.ts";
import type { Send } from "../delivery/sender.ts";
import { CommandError } from "../core/errors.ts";
import type { DestinationHealthLog } from "../ops/destination-health.ts";
import { listDestinationStates, type DestinationStateJson } from "../ops/destinations.ts";
import type { RefusedLog } from "../ops/refused-log.ts";
import { EVENT_ID } from "../core/ids.ts";
import { isStorageFault } from "../outbox/errors.ts";
import type { OverviewCounts } from "../outbox/types.ts";
import { STORAGE_RETRY_AFTER_S } from "../ingress/errors.ts";
import { cancel, pause, replay, resume, retry, type ActionDeps, type ActionResult } from "./actions.ts";
import { Events, ReplayForm } from "./events.tsx";
import { EVENTS_PAGE_SIZE, parseEventFilters } from "./events-query.ts";
import { ASSETS } from "./assets.ts";
import { createCountsCache } from "./counts-cache.ts";
import { Deliveries } from "./deliveries.tsx";
import { parseFilters, PAGE_SIZE } from "./deliveries-query.ts";
import { Delivery } from "./delivery.tsx";
import { Destinations } from "./destinations.tsx";
import { EVENT_DELIVERIES_SHOWN, EventPage } from "./event.tsx";
import { enabledOnly, formLimit, originCheck, PageError, requireCsrf, requireLogin, securityHeaders, type DashboardEnv } from "./guard.ts";
import { Notice, Page, Problem, type Section } from "./layout.tsx";
import { Login } from "./login.tsx";
import { Overview } from "./overview.tsx";
import { shownHeaders } from "./request-headers.ts";
import { createSessions } from "./session.ts";
import { Sources } from "./sources.tsx";

export interface DashboardDeps extends ActionDeps {
  health: DestinationHealthLog;
  refused: RefusedLog;
  /** The overview's counts; the daemon reads them on its background thread. */
  overview: (since: number) => Promise<OverviewCounts>;
  /** The daemon's sender (SSRF guard and all), for "send a test". */
  send: Send;
}

/** A wrong token waits this long before its answer: slows guessing without a lockout anyone could trigger. */
const FAILED_LOGIN_DELAY_MS = 500;
const FLASH_COOKIE = "herald_flash";

/**
 * `storageFault` reports a fault of the database (to readiness and the log) and says what it
 * means for a request of this method; the dashboard shows it as a page, not as JSON.
 */
export function mountDashboard(app: Hono, deps: DashboardDeps, storageFault: (error: unknown, method: string) => string): void {
  const { config, clock, operator } = deps;
  const sessions = createSessions(clock);
  const counts = createCountsCache(clock, deps.overview);
  const ui = new Hono<DashboardEnv>();

  ui.onError((error, c) => {
    // hono/csrf refuses a cross-origin form with an HTTPException (403).
    if (error instanceof HTTPException && error.status === 403) error = new PageError(403, "refused: the form was not sent from this dashboard (Origin check)");
    if (isStorageFault(error)) {
      c.header("retry-after", STORAGE_RETRY_AFTER_S);
      error = new PageError(503, storageFault(error, c.req.method));
    }
    if (!(error instanceof PageError)) throw error;
    return html(
      c,
      <Page title="Problem">
        <Problem text={error.message} />
        <a href="/ui">Back to the overview</a>
      </Page>,
      (error as PageError).status,
    );
  });
  ui.use("*", enabledOnly(config), securityHeaders, originCheck, formLimit(config));

  for (const asset of Object.values(ASSETS)) {
    ui.get(asset.path.slice("/ui".length), (c) => c.body(asset.body, 200, { "content-type": asset.type, "cache-control": "public, max-age=31536000, immutable" }));
  }

  ui.get("/login", (c) => (config().auth.adminTokens.length === 0 ? c.redirect("/ui", 303) : html(c, <Login />)));
  ui.post("/login", async (c) => {
    const form = await c.req.parseBody();
    const token = typeof form.token === "string" ? form.token : "";
    if (await sessions.login(c, token, config().auth.adminTokens)) {
      deps.logger.info("dashboard.login", {});
      return c.redirect("/ui", 303);
    }
    deps.logger.warn("dashboard.login_refused", { reason: "not an admin token" });
    await new Promise((resolve) => setTimeout(resolve, FAILED_LOGIN_DELAY_MS));
    return html(c, <Login problem="That is not one of the admin tokens (auth.admin_tokens)." />, 401);
  });

  ui.use("*", requireLogin(config, sessions), requireCsrf(sessions));

  ui.post("/logout", (c) => {
    sessions.logout(c);
    return c.redirect(config().auth.adminTokens.length ? "/ui/login" : "/ui", 303);
  });

  const page = (c: Context<DashboardEnv>, title: string, section: Section, body: Child, status: 200 | 400 | 404 = 200) => {
    const flash = takeFlash(c);
    return html(
      c,
      <Page title={title} section={section} session={c.get("session")} loggedIn={c.get("loggedIn")}>
        {flash?.ok ? <Notice text={flash.message} /> : <Problem text={flash?.message} />}
        {body}
      </Page>,
      status,
    );
  };

  // Each destination's state as GET /v1/destinations answers it: one small read of the holds.
  const states = async (): Promise<Map<string, DestinationStateJson>> => new Map((await listDestinationStates(operator, config())).map((s) => [s.name, s]));

  ui.get("/", async (c) => {
    const [read, held] = await Promise.all([counts.read(), states()]);
    return page(c, "Overview", "overview", <Overview config={config()} session={c.get("session")} data={{ ...read, health: deps.health.snapshot(), states: held, now: clock.now() }} />);
  });

  ui.get("/deliveries", async (c) => {
    const parsed = parseFilters(c.req.query(), clock.now());
    if (!parsed.ok) return page(c, "Deliveries", "deliveries", <><Problem text={parsed.problem} /><Deliveries config={config()} session={c.get("session")} filters={parsed.filters} rows={[]} /></>, 400);
    const { deliveries: rows, stoppedAt } = await operator.browseDeliveries(parsed.query);
    const shown = rows.slice(0, PAGE_SIZE);
    const next = rows.length > PAGE_SIZE ? shown.at(-1)!.id : stoppedAt?.id;
    return page(c, "Deliveries", "deliveries", <Deliveries config={config()} session={c.get("session")} filters={parsed.filters} rows={shown} next={next} stoppedAt={stoppedAt} />);
  });

  ui.get("/deliveries/:id", async (c) => {
    const found = await operator.getDelivery(c.req.param("id"));
    if (!found) throw new PageError(404, `no delivery ${JSON.stringify(c.req.param("id").slice(0, 64))}`);
    const event = await operator.getEvent(found.delivery.eventId);
    const headers = shownHeaders(config(), found.delivery, event, clock.now());
    return page(c, `Delivery ${found.delivery.id}`, "deliveries", <Delivery session={c.get("session")} delivery={found.delivery} attempts={found.attempts} event={event} headers={headers} />);
  });

  ui.get("/events", async (c) => {
    const parsed = parseEventFilters(c.req.query(), clock.now());
    if (!parsed.ok) return page(c, "Events", "events", <><Problem text={parsed.problem} /><Events config={config()} filters={parsed.filters} rows={[]} /></>, 400);
    const rows = await operator.listEvents(parsed.query);
    const shown = rows.slice(0, EVENTS_PAGE_SIZE);
    return page(c, "Events", "events", <Events config={config()} filters={parsed.filters} rows={shown} next={rows.length > EVENTS_PAGE_SIZE ? shown.at(-1)!.id : undefined} />);
  });
  ui.get("/events/find", (c) => {
    const id = (c.req.query("id") ?? "").trim();
    if (!EVENT_ID.test(id)) throw new PageError(400, `id: ${JSON.stringify(id.slice(0, 64))} is not an event id (evt_ and 26 characters)`);
    return c.redirect(`/ui/events/${encodeURIComponent(id)}`, 303);
  });
  ui.get("/events/:id", async (c) => {
    const event = await operator.getEvent(c.req.param("id"));
    if (!event) throw new PageError(404, `no event ${JSON.stringify(c.req.param("id").slice(0, 64))}`);
    const found = await Promise.all(event.deliveryIds.slice(0, EVENT_DELIVERIES_SHOWN).map((id) => operator.getDelivery(id)));
    const deliveries = found.flatMap((f) => (f ? [f.delivery] : []));
    return page(c, `Event ${event.id}`, "events", <><EventPage event={event} deliveries={deliveries} /><ReplayForm session={c.get("session")} eventId={event.id} config={config()} /></>);
  });
  ui.post("/events/:id/replay", async (c) => {
    const destination = c.get("form").destination;
    const id = c.req.param("id");
    putFlash(c, await replay(deps, id, typeof destination === "string" && destination ? destination : undefined));
    return c.redirect(`/ui/events/${encodeURIComponent(id)}`, 303);
  });

  const act = (run: (deps: ActionDeps, ids: string[]) => Promise<ActionResult>) => async (c: Context<DashboardEnv>) => {
    const form = c.get("form");
    const one = c.req.param("id");
    const ids = one ? [one] : [form.id ?? []].flat().filter((v): v is string => typeof v === "string");
    if (ids.length === 0) throw new PageError(400, "id: no delivery was named");
    putFlash(c, await run(deps, ids));
    return c.redirect(one ? `/ui/deliveries/${encodeURIComponent(one)}` : safeBack(form.back), 303);
  };
  ui.post("/deliveries/retry", act(retry));
  ui.post("/deliveries/cancel", act(cancel));
  ui.post("/deliveries/:id/retry", act(retry));
  ui.post("/deliveries/:id/cancel", act(cancel));

  ui.get("/destinations", async (c) => page(c, "Destinations", "destinations", <Destinations config={config()} states={await states()} session={c.get("session")} />));
  const hold = (run: (deps: ActionDeps, name: string) => Promise<ActionResult>) => async (c: Context<DashboardEnv>) => {
    putFlash(c, await run(deps, c.req.param("name")!));
    return c.redirect(safeBack(c.get("form").back, "/ui/destinations"), 303);
  };
  ui.post("/destinations/:name/pause", hold(pause));
  ui.post("/destinations/:name/resume", hold(resume));
  ui.post("/destinations/:name/test", async (c) => {
    const event = c.get("form").event;
    const session = c.get("session");
    try {
      const tested = await sendSample(config(), c.req.param("name"), typeof event === "string" && event ? event : "completed", { clock, send: deps.send });
      deps.logger.info("dashboard.test_sent", { destination: tested.destination, outcome: tested.outcome });
      return page(c, "Destinations", "destinations", <Destinations config={config()} states={await states()} session={session} tested={tested} />);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      return page(c, "Destinations", "destinations", <Destinations config={config()} states={await states()} session={session} problem={error.message} />, 404);
    }
  });

  ui.get("/sources", (c) => page(c, "Sources", "sources", <Sources config={config()} refused={deps.refused.recent()} />));

  app.route("/ui", ui);
}

/** Standards mode: without the doctype a browser renders the pages in quirks mode. */
const html = (c: Context, page: Child, status: 200 | 400 | 401 | 403 | 404 | 409 | 503 = 200) => c.html(`<!DOCTYPE html>${String(page)}`, status);

/** Only a dashboard path: a form cannot send the browser elsewhere (an open redirect). */
function safeBack(back: unknown, fallback = "/ui/deliveries"): string {
  return typeof back === "string" && /^\/ui(\/[\w\-/]*)?(\?[^\s]*)?$/.test(back) && !back.startsWith("//") ? back : fallback;
}

// The outcome of an action, shown once on the page it redirects to (not in the URL, which stays shareable).
function putFlash(c: Context, result: ActionResult) {
  setCookie(c, FLASH_COOKIE, `${result.ok ? "1" : "0"}${result.message}`, { httpOnly: true, sameSite: "Strict", path: "/ui", maxAge: 60 });
}

function takeFlash(c: Context): ActionResult | undefined {
  const value = getCookie(c, FLASH_COOKIE);
  if (!value || c.req.header("hx-request")) return undefined;
  deleteCookie(c, FLASH_COOKIE, { path: "/ui" });
  return { ok: value.startsWith("1"), message: value.slice(1) };
}
