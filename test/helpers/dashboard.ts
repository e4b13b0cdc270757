// The dashboard through the harness's ingress: a config with admin tokens and /ui turned on,
// GET a page and POST a form as a browser would (Origin, cookie), and log in.
import { expect } from "bun:test";
import { configFrom, relayToml } from "./config.ts";
import { createHarness, type StorageWraps } from "./harness.ts";

export const ADMIN_TOKEN = "admin-token-0123456789";
export const SECRET = "dest-secret-0123456789";
export const ORIGIN = "http://localhost";
export type Harness = ReturnType<typeof createHarness>;

export interface DashboardConfig {
  tokens?: boolean;
  enabled?: boolean;
  /** TOML before the receiver's destination: sections, or more [[destinations]]. */
  extra?: string;
  /** More keys of the receiver's destination, "recv". */
  destination?: string;
}

export function dashboardToml(dbPath: string, receiverUrl: string, { tokens = true, enabled = true, extra = "", destination = "" }: DashboardConfig = {}): string {
  const auth = tokens ? `[auth]\nadmin_tokens = ["${ADMIN_TOKEN}"]\n` : "";
  const dashboard = enabled ? "[dashboard]\nenabled = true\n" : "";
  return relayToml(dbPath, receiverUrl, {
    extra: auth + dashboard + extra,
    destination: `max_attempts = 1\nsecret = "${SECRET}"\nheaders = { "Authorization" = "Bearer hdr-credential-42", "X-Team" = "data" }\n${destination}`,
  });
}

export function dashboardHarness(receiverUrl: string, options: DashboardConfig = {}, wraps: StorageWraps = {}): Harness {
  return createHarness((db) => configFrom(dashboardToml(db, receiverUrl, options)), wraps);
}

export async function page(h: Harness, path: string, cookie = "") {
  const response = await h.ingress.request(path, { headers: cookie ? { cookie } : {} });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

export async function form(h: Harness, path: string, fields: Record<string, string | string[]>, cookie = "", origin = ORIGIN) {
  const body = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) for (const v of [value].flat()) body.append(key, v);
  const response = await h.ingress.request(path, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", origin, cookie }, body: body.toString() });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

/** The page a form's 303 leads to, with the one-time outcome cookie it set. */
export async function follow(h: Harness, answer: { headers: Headers }, cookie: string) {
  const flash = answer.headers.get("set-cookie")?.split(";")[0];
  return page(h, answer.headers.get("location")!, flash ? `${cookie}; ${flash}` : cookie);
}

export async function login(h: Harness): Promise<{ cookie: string; csrf: string }> {
  const answer = await form(h, "/ui/login", { token: ADMIN_TOKEN });
  expect(answer.status).toBe(303);
  const cookie = answer.headers.get("set-cookie")!.split(";")[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec((await page(h, "/ui", cookie)).text)![1]!;
  return { cookie, csrf };
}
