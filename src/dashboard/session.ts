// Dashboard sessions. The login form takes an admin token (checked in constant time, as the API
// checks it) and sets a signed, HttpOnly, SameSite=Strict cookie holding an expiry, a random
// session id and a short digest of the token used. The signing key is random per process: a
// restart logs everyone out, and there is no key to store or leak. A token removed from the
// config (SIGHUP) ends its sessions at once, because the digest no longer matches.
// Every form carries a CSRF token, an HMAC of the session id, on top of hono/csrf's Origin check.
// Without admin tokens on a loopback listener the pages are open, as the admin API is.

import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import type { Clock } from "../core/clock.ts";
import { tokenAccepted } from "../ingress/auth.ts";

export const SESSION_COOKIE = "herald_session";
/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60 * 1000;
/** The session id every visitor shares when no login is needed (loopback without admin tokens). */
const OPEN_SESSION = "open";

export interface Session {
  id: string;
  csrf: string;
}

const tokenTag = (token: string) => createHash("sha256").update(`herald-dashboard:${token}`).digest("hex").slice(0, 16);

export function createSessions(clock: Clock, key: string = randomBytes(32).toString("base64url")) {
  const csrfFor = (id: string) => createHmac("sha256", key).update(`csrf:${id}`).digest("base64url");
  const session = (id: string): Session => ({ id, csrf: csrfFor(id) });
  // Over https the cookie is Secure; a loopback http listener cannot use a Secure cookie.
  const secure = (c: Context) => new URL(c.req.url).protocol === "https:" || c.req.header("x-forwarded-proto") === "https";

  return {
    open: () => session(OPEN_SESSION),
    /** The session the request's cookie carries, if it is signed by this process, unexpired, and its token is still accepted. */
    async current(c: Context, adminTokens: readonly string[]): Promise<Session | undefined> {
      const value = await getSignedCookie(c, key, SESSION_COOKIE);
      if (!value) return undefined;
      const [expires, id, tag] = value.split(".");
      if (!expires || !id || !tag || Number(expires) <= clock.now()) return undefined;
      if (!adminTokens.some((token) => tokenTag(token) === tag)) return undefined;
      return session(id);
    },
    /** Checks a presented token; on success sets the cookie. */
    async login(c: Context, presented: string, adminTokens: readonly string[]): Promise<boolean> {
      if (!tokenAccepted(presented, adminTokens)) return false;
      const expires = clock.now() + SESSION_MS;
      const id = randomBytes(16).toString("base64url");
      await setSignedCookie(c, SESSION_COOKIE, `${expires}.${id}.${tokenTag(presented)}`, key, {
        httpOnly: true,
        sameSite: "Strict",
        secure: secure(c),
        path: "/ui",
        expires: new Date(expires),
      });
      return true;
    },
    logout: (c: Context) => void deleteCookie(c, SESSION_COOKIE, { path: "/ui", secure: secure(c) }),
    /** True when the form's token is this session's. */
    csrfMatches(session: Session, presented: unknown): boolean {
      if (typeof presented !== "string") return false;
      const want = Buffer.from(session.csrf);
      const got = Buffer.from(presented);
      return want.length === got.length && timingSafeEqual(want, got);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
