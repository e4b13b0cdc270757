// A stand-in for an ntfy server's JSON publishing (POST to the root with {"topic", ...}): it
// refuses what ntfy refuses (a body that is not a JSON publish, a bad topic, a priority out of
// 1..5, a protected topic without its token, a wrong token) with ntfy's error shape, refuses a
// message over 4,096 bytes (ntfy would turn it into an attachment), and paces each topic with
// ntfy's 429, which names no wait.

import { json, serve, slidingWindows, type Accepted, type Arrival, type FakePlatform, type Rate, type Rejected } from "./fake-platforms.ts";

export interface FakeNtfy extends FakePlatform {
  /** A topic's URL; with a token, publishing needs "Authorization: Bearer <token>". */
  topic(name: string, token?: string): string;
}

/** Every way this publish breaks ntfy's rules. */
export function ntfyPayloadProblems(payload: Record<string, any>): string[] {
  const problems: string[] = [];
  if (typeof payload.topic !== "string" || !/^[-_A-Za-z0-9]{1,64}$/.test(payload.topic)) problems.push("topic: invalid");
  if (payload.message !== undefined && typeof payload.message !== "string") problems.push("message: must be a string");
  if (typeof payload.message === "string" && new TextEncoder().encode(payload.message).byteLength > 4096) problems.push("message: over 4096 bytes");
  if (payload.title !== undefined && typeof payload.title !== "string") problems.push("title: must be a string");
  if (payload.priority !== undefined && !(Number.isInteger(payload.priority) && payload.priority >= 1 && payload.priority <= 5)) problems.push("priority: must be 1 to 5");
  if (payload.tags !== undefined && !(Array.isArray(payload.tags) && payload.tags.every((tag: unknown) => typeof tag === "string"))) problems.push("tags: must be a list of strings");
  if (payload.click !== undefined && !/^https?:\/\/\S+$/.test(payload.click)) problems.push("click: not a URL");
  return problems;
}

/** By default ntfy.sh's visitor limit, as a window: a burst of 60 requests, then one every 5 s. */
export function startFakeNtfy({ now = Date.now, rates = [{ count: 60, perMs: 300_000 }] as Rate[] } = {}): FakeNtfy {
  const topics = new Map<string, string | undefined>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const fail = (status: number, code: number, error: string, headers: Record<string, string> = {}) => {
      state.rejected.push({ path: url.pathname, status, reason: `ntfy error ${code} (${error})`, at });
      return json(status, { code, http: status, error, link: "https://ntfy.sh/docs/publish/" }, headers);
    };
    if (req.method !== "POST" || url.pathname !== "/") return fail(404, 40401, "page not found");
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(await req.text());
    } catch {
      return fail(400, 40017, "invalid request: request body must be message JSON");
    }
    const problems = ntfyPayloadProblems(payload);
    if (problems.length > 0) return fail(400, 40000, `invalid request: ${problems.join("; ")}`);
    const topic = String(payload.topic);
    const auth = req.headers.get("authorization");
    const token = topics.get(topic);
    if (auth && token !== undefined && auth !== `Bearer ${token}`) return fail(401, 40101, "unauthorized");
    if (!topics.has(topic) || (token !== undefined && !auth)) return fail(403, 40301, "forbidden");
    const slot = window.admit(topic);
    if (!slot.ok) {
      state.rateLimited++;
      return fail(429, 42901, "limit reached: too many requests, please be nice", { "x-fake-retry-after-ms": String(slot.retryAfterMs) });
    }
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return json(200, { id: String(state.accepted.length), time: Math.floor(at / 1000), event: "message", ...payload });
  });

  return Object.assign(state, {
    stop,
    topic: (name: string, token?: string) => {
      topics.set(name, token);
      return `${base}/${name}`;
    },
  });
}
