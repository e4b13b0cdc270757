// Stand-ins for Mattermost's and Rocket.Chat's Slack-compatible incoming webhooks, each with
// its documented differences from Slack: Mattermost caps a post at 16,383 characters and
// answers errors as JSON app errors; Rocket.Chat names the sender with `alias` and `avatar`
// (Slack's `username` and `icon_url` are not its fields), answers {"success": true}, and
// refuses an unknown integration with 404.

import { json, serve, slackPayloadProblems, type Accepted, type Arrival, type FakePlatform, type Rejected } from "./fake-platforms.ts";

export interface FakeSlackCompatible extends FakePlatform {
  hook(path: string): string;
}

/** Mattermost: the post's text at most 16,383 characters; attachments as Slack's. */
export function startFakeMattermost({ now = Date.now } = {}): FakeSlackCompatible {
  const hooks = new Set<string>();
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };
  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const fail = (id: string, message: string) => {
      state.rejected.push({ path: url.pathname, status: 400, reason: message, at });
      return json(400, { id, message, detailed_error: "", request_id: "fake", status_code: 400 });
    };
    if (!hooks.has(url.pathname)) return fail("web.incoming_webhook.invalid.app_error", "Invalid webhook");
    let payload: Record<string, any>;
    try {
      payload = JSON.parse(await req.text());
    } catch {
      return fail("web.incoming_webhook.parse.app_error", "Unable to parse incoming data");
    }
    const problems = slackPayloadProblems(payload);
    if (typeof payload.text === "string" && payload.text.length > 16_383) problems.push("text: over 16383 characters");
    if (problems.length > 0) return fail("web.incoming_webhook.parse.app_error", `Unable to parse incoming data: ${problems.join("; ")}`);
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return new Response("ok", { headers: { "content-type": "text/plain" } });
  });
  return Object.assign(state, { stop, hook: (key: string) => (hooks.add(`/hooks/${key}`), `${base}/hooks/${key}`) });
}

/** Rocket.Chat: Slack's text and attachments; the sender is `alias`/`avatar`, so Slack's `username`/`icon_url` do nothing. */
export function startFakeRocketChat({ now = Date.now } = {}): FakeSlackCompatible {
  const hooks = new Set<string>();
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };
  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const fail = (status: number, error: string) => {
      state.rejected.push({ path: url.pathname, status, reason: error, at });
      return json(status, { success: false, error });
    };
    if (!hooks.has(url.pathname)) return fail(404, "Invalid integration id or token provided.");
    let payload: Record<string, any>;
    try {
      payload = JSON.parse(await req.text());
    } catch {
      return fail(400, "Invalid JSON body");
    }
    const problems = slackPayloadProblems(payload);
    if (problems.length > 0) return fail(400, problems.join("; "));
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return json(200, { success: true });
  });
  return Object.assign(state, { stop, hook: (path: string) => (hooks.add(`/hooks/${path}`), `${base}/hooks/${path}`) });
}
