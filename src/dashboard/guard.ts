// What stands before every dashboard page: the feature switch, strict security headers, the
// Origin check (hono/csrf), the login (or the open loopback mode, as the admin API has), and the
// per-session CSRF token every POST form must carry.

import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { isLoopback } from "../config/resolve.ts";
import type { RuntimeConfig } from "../config/runtime.ts";
import type { Session, Sessions } from "./session.ts";

export type DashboardEnv = { Variables: { session: Session; loggedIn: boolean; form: Record<string, string | File | Array<string | File>> } };

export class PageError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 503,
    message: string,
  ) {
    super(message);
  }
}

/** No inline script or style anywhere, no framing, no referrer: the pages hold operational data. */
export const securityHeaders = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'"],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
    objectSrc: ["'none'"],
  },
  xFrameOptions: "DENY",
  referrerPolicy: "no-referrer",
  crossOriginResourcePolicy: "same-origin",
});

/** A form POST from another origin is refused (403) before anything reads it. */
export const originCheck = csrf();

export function enabledOnly(config: () => RuntimeConfig): MiddlewareHandler {
  return async (_c, next) => {
    if (!config().dashboard.enabled) throw new PageError(404, "the dashboard is off ([dashboard] enabled = false)");
    await next();
  };
}

export function formLimit(config: () => RuntimeConfig): MiddlewareHandler {
  return (c, next) => bodyLimit({ maxSize: config().server.maxBodyBytes, onError: () => Promise.reject(new PageError(400, "the form is larger than server.max_body")) })(c, next);
}

/** Who is asking: a logged-in session, everyone on an open loopback listener, or nobody (to the login form). */
export function requireLogin(config: () => RuntimeConfig, sessions: Sessions): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    const { auth, server } = config();
    if (auth.adminTokens.length === 0) {
      if (!isLoopback(server.host)) throw new PageError(403, "the dashboard needs auth.admin_tokens when server.listen is not a loopback address");
      c.set("session", sessions.open());
      c.set("loggedIn", false);
      return next();
    }
    const session = await sessions.current(c, auth.adminTokens);
    if (!session) return toLogin(c);
    c.set("session", session);
    c.set("loggedIn", true);
    await next();
  };
}

export function toLogin(c: Context) {
  // A refresh htmx makes in the background must move the whole page, not swap the form in.
  if (c.req.header("hx-request")) return c.body(null, 204, { "hx-redirect": "/ui/login" });
  return c.redirect("/ui/login", 303);
}

/** Every POST after login carries the session's CSRF token in `_csrf`. */
export function requireCsrf(sessions: Sessions): MiddlewareHandler<DashboardEnv> {
  return async (c, next) => {
    if (c.req.method !== "POST") return next();
    const form = await c.req.parseBody({ all: true });
    if (!sessions.csrfMatches(c.get("session"), form._csrf)) throw new PageError(403, "the form's CSRF token is missing or out of date; reload the page and try again");
    c.set("form", form);
    await next();
  };
}
