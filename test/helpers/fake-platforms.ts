// Local stand-ins for Discord and Slack webhooks, and the helpers every fake platform uses
// (fake-telegram.ts, fake-teams.ts, fake-google-chat.ts, fake-ntfy.ts, fake-slack-compatible.ts).
// Each validates every payload against the platform's documented limits (written out here from platform-notes.md, independently of
// Herald's own formatter constants), answers errors the way the platform does, and enforces a
// rate limit with real 429s. The clock is injected so pacing tests need no sleeping.

import { serveHttp } from "../../src/runtime/http-server.ts";

export interface Rate {
  count: number;
  perMs: number;
}

export interface Accepted {
  path: string;
  search: string;
  payload: Record<string, unknown>;
  files: Array<{ field: string; filename: string; type: string; bytes: number }>;
  at: number;
}

export interface Rejected {
  path: string;
  status: number;
  reason: string;
  at: number;
}

/** Every request as it arrived, with the answer it got. */
export interface Arrival {
  path: string;
  at: number;
  status: number;
  /** For a 429: how long the platform asked the sender to wait. */
  retryAfterMs?: number;
}

export interface FakePlatform {
  arrivals: Arrival[];
  accepted: Accepted[];
  rejected: Rejected[];
  /** Requests answered 429 because they went over the rate limit. */
  rateLimited: number;
  /** Messages that would have notified someone (@everyone, <@id>, <!channel>...). */
  pings: string[];
  stop(): void;
}

export interface FakeDiscord extends FakePlatform {
  /** A webhook URL this server knows: Execute Webhook succeeds on it. */
  webhook(id: string, token: string): string;
  /** A URL whose webhook was deleted: 404 with code 10015. */
  unknownWebhook(): string;
  /** A known webhook with a wrong token: 401 with code 50027. */
  badToken(id: string): string;
}

export interface FakeSlack extends FakePlatform {
  hook(path: string): string;
  /** A hook whose channel is gone (404 channel_not_found), archived (410) or forbidden (403). */
  broken(kind: "channel_not_found" | "channel_is_archived" | "action_prohibited"): string;
}

interface Options {
  now?: () => number;
  /** The limits the fake enforces per webhook; every window must have room. */
  rates?: Rate[];
}

/** Arrival times per webhook, against every window; a request over any limit gets the time until a slot frees. */
export function slidingWindows(rates: Rate[], now: () => number) {
  const arrivals = new Map<string, number[]>();
  const longest = Math.max(...rates.map((rate) => rate.perMs));
  return {
    admit(key: string): { ok: true; remaining: number; resetAfterMs: number } | { ok: false; retryAfterMs: number } {
      const t = now();
      const recent = (arrivals.get(key) ?? []).filter((at) => at > t - longest);
      arrivals.set(key, recent);
      let retryAfterMs = 0;
      for (const { count, perMs } of rates) {
        const inWindow = recent.filter((at) => at > t - perMs);
        if (inWindow.length >= count) retryAfterMs = Math.max(retryAfterMs, inWindow[inWindow.length - count]! + perMs - t);
      }
      if (retryAfterMs > 0) return { ok: false, retryAfterMs };
      recent.push(t);
      // Discord's headers describe the webhook's short bucket: the first window.
      const { count, perMs } = rates[0]!;
      const inFirst = recent.filter((at) => at > t - perMs);
      return { ok: true, remaining: count - inFirst.length, resetAfterMs: inFirst[0]! + perMs - t };
    },
  };
}

export function serve(arrivals: Arrival[], now: () => number, handler: (req: Request, url: URL) => Promise<Response>) {
  // Herald's own listener seam, so the helper runs under Bun and Deno alike.
  const server = serveHttp(
    async (req: Request) => {
      const url = new URL(req.url);
      const at = now();
      const response = await handler(req, url);
      const arrival: Arrival = { path: url.pathname, at, status: response.status };
      if (response.status === 429) arrival.retryAfterMs = Number(response.headers.get("x-fake-retry-after-ms"));
      arrivals.push(arrival);
      return response;
    },
    { host: "127.0.0.1", port: 0 },
  );
  return { base: `http://127.0.0.1:${server.port}`, stop: () => server.close() };
}

export const json = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

// ---------------------------------------------------------------------------------------------
// Discord

const MENTION_IN_TEXT = /(?<!\\)@(everyone|here)|(?<!\\)<@[!&]?\d+>|(?<!\\)<#\d+>/;

/** Every way this payload breaks Discord's documented limits, as Discord's error paths. */
export function discordPayloadProblems(payload: Record<string, unknown>, fileCount = 0): string[] {
  const problems: string[] = [];
  const text = (value: unknown, path: string, max: number, { required = false } = {}) => {
    if (value === undefined) return required ? void problems.push(`${path}: required`) : 0;
    if (typeof value !== "string") return void problems.push(`${path}: must be a string`);
    if (required && value.length === 0) problems.push(`${path}: must not be empty`);
    if (value.length > max) problems.push(`${path}: ${value.length} characters, limit ${max}`);
    return value.length;
  };
  text(payload.content, "content", 2000);
  if (payload.username !== undefined) text(payload.username, "username", 80, { required: true });
  const embeds = payload.embeds ?? [];
  if (!Array.isArray(embeds)) return [...problems, "embeds: must be a list"];
  if (embeds.length > 10) problems.push(`embeds: ${embeds.length} embeds, limit 10`);
  if (!payload.content && embeds.length === 0 && fileCount === 0) problems.push("message: cannot send an empty message");
  let total = 0;
  embeds.forEach((embed: Record<string, any>, i) => {
    const at = `embeds[${i}]`;
    total += (text(embed.title, `${at}.title`, 256) || 0) + (text(embed.description, `${at}.description`, 4096) || 0);
    total += (text(embed.footer?.text, `${at}.footer.text`, 2048) || 0) + (text(embed.author?.name, `${at}.author.name`, 256) || 0);
    if (embed.color !== undefined && !(Number.isInteger(embed.color) && embed.color >= 0 && embed.color <= 0xffffff)) problems.push(`${at}.color: not a colour`);
    if (embed.timestamp !== undefined && Number.isNaN(Date.parse(embed.timestamp))) problems.push(`${at}.timestamp: not ISO 8601`);
    if (embed.url !== undefined && !/^https?:\/\/\S+$/.test(embed.url)) problems.push(`${at}.url: not a URL`);
    const fields = embed.fields ?? [];
    if (fields.length > 25) problems.push(`${at}.fields: ${fields.length} fields, limit 25`);
    fields.forEach((field: Record<string, unknown>, j: number) => {
      total += (text(field.name, `${at}.fields[${j}].name`, 256, { required: true }) || 0) + (text(field.value, `${at}.fields[${j}].value`, 1024, { required: true }) || 0);
    });
  });
  if (total > 6000) problems.push(`embeds: ${total} characters in all, limit 6000`);
  return problems;
}

/** Strings anywhere in the payload that carry live mention syntax (escaped ones are plain text). */
export function discordMentionsIn(payload: unknown, found: string[] = []): string[] {
  if (typeof payload === "string") {
    if (MENTION_IN_TEXT.test(payload)) found.push(payload);
  } else if (payload && typeof payload === "object") {
    for (const value of Object.values(payload)) discordMentionsIn(value, found);
  }
  return found;
}

/** Would Discord notify anyone? Only if mentions are allowed and some text mentions someone. */
function discordPing(payload: Record<string, any>): string | undefined {
  const mentions = payload.allowed_mentions;
  const locked = mentions && Array.isArray(mentions.parse) && mentions.parse.length === 0 && !mentions.users?.length && !mentions.roles?.length;
  if (locked) return undefined;
  const content = typeof payload.content === "string" ? payload.content : "";
  return MENTION_IN_TEXT.test(content) ? content : "allowed_mentions not locked down";
}

/** By default the limits community reports give: 5 per 2 s per webhook, 30 per minute per channel. */
export function startFakeDiscord({ now = Date.now, rates = [{ count: 5, perMs: 2_000 }, { count: 30, perMs: 60_000 }] }: Options = {}): FakeDiscord {
  const tokens = new Map<string, string>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const reject = (status: number, code: number, message: string, extra: Record<string, unknown> = {}) => {
      state.rejected.push({ path: url.pathname, status, reason: `${code} ${message}`, at });
      return json(status, { message, code, ...extra });
    };
    const match = /^\/api(?:\/v\d+)?\/webhooks\/(\d+)\/([^/]+)$/.exec(url.pathname);
    if (req.method !== "POST" || !match) return reject(404, 0, "404: Not Found");
    const [, id, token] = match;
    if (!tokens.has(id!)) return reject(404, 10015, "Unknown Webhook");
    if (tokens.get(id!) !== token) return reject(401, 50027, "Invalid Webhook Token");

    const slot = window.admit(id!);
    if (!slot.ok) {
      state.rateLimited++;
      const seconds = slot.retryAfterMs / 1000;
      return json(429, { message: "You are being rate limited.", retry_after: seconds, global: false }, {
        "retry-after": String(Math.ceil(seconds)),
        "x-ratelimit-remaining": "0",
        "x-fake-retry-after-ms": String(slot.retryAfterMs),
      });
    }
    const limitHeaders = {
      "x-ratelimit-limit": String(rates[0]!.count),
      "x-ratelimit-remaining": String(slot.remaining),
      "x-ratelimit-reset-after": (slot.resetAfterMs / 1000).toFixed(3),
      "x-ratelimit-bucket": `fake-${id}`,
    };

    let payload: Record<string, unknown>;
    const files: Accepted["files"] = [];
    const type = req.headers.get("content-type") ?? "";
    try {
      if (type.startsWith("multipart/form-data")) {
        const form = await req.formData();
        payload = JSON.parse(String(form.get("payload_json") ?? "{}"));
        for (const [field, value] of form.entries()) {
          if (field === "payload_json") continue;
          if (typeof value === "string" || !/^files\[\d+\]$/.test(field)) return reject(400, 50035, `Invalid Form Body: unexpected part ${field}`);
          if (value.size > 10 * 1024 * 1024) return reject(413, 40005, "Request entity too large");
          files.push({ field, filename: value.name, type: value.type, bytes: value.size });
        }
      } else if (type.startsWith("application/json")) {
        payload = JSON.parse(await req.text());
      } else {
        return reject(400, 50006, "Cannot send an empty message");
      }
    } catch {
      return reject(400, 50109, "The request body contains invalid JSON.");
    }
    const problems = discordPayloadProblems(payload, files.length);
    if (problems.length > 0) return reject(400, 50035, `Invalid Form Body: ${problems.join("; ")}`);
    const ping = discordPing(payload);
    if (ping) state.pings.push(ping);
    state.accepted.push({ path: url.pathname, search: url.search, payload, files, at });
    // Without ?wait=true Discord answers 204 and reports nothing; with it, the saved message.
    if (url.searchParams.get("wait") !== "true") return new Response(null, { status: 204, headers: limitHeaders });
    return json(200, { id: String(state.accepted.length), type: 0, webhook_id: id, ...payload }, limitHeaders);
  });

  return Object.assign(state, {
    stop,
    webhook: (id: string, token: string) => {
      tokens.set(id, token);
      return `${base}/api/webhooks/${id}/${token}`;
    },
    unknownWebhook: () => `${base}/api/webhooks/999999/deleted`,
    badToken: (id: string) => {
      if (!tokens.has(id)) tokens.set(id, "the-real-token");
      return `${base}/api/webhooks/${id}/wrong-token`;
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Slack

const SLACK_MENTION = /<[!@#][^>]*>/;

/** Every way this message breaks Slack's documented limits. */
export function slackPayloadProblems(payload: Record<string, any>): string[] {
  const problems: string[] = [];
  if (payload.text === undefined && payload.blocks === undefined && payload.attachments === undefined) problems.push("message: no text, blocks or attachments");
  if (payload.text !== undefined && (typeof payload.text !== "string" || payload.text.length > 40_000)) problems.push("text: not a string of at most 40000 characters");
  if (payload.blocks !== undefined && (!Array.isArray(payload.blocks) || payload.blocks.length > 50)) problems.push("blocks: at most 50");
  (payload.blocks ?? []).forEach((block: any, i: number) => {
    if (block?.text?.text?.length > 3000) problems.push(`blocks[${i}].text: over 3000 characters`);
  });
  const attachments = payload.attachments ?? [];
  if (!Array.isArray(attachments) || attachments.length > 20) problems.push("attachments: at most 20");
  attachments.forEach((attachment: any, i: number) => {
    if (attachment.color !== undefined && !/^#[0-9A-Fa-f]{6}$|^(good|warning|danger)$/.test(attachment.color)) problems.push(`attachments[${i}].color: not a colour`);
    for (const [j, field] of (attachment.fields ?? []).entries()) {
      if (typeof field.title !== "string" || typeof field.value !== "string") problems.push(`attachments[${i}].fields[${j}]: title and value must be strings`);
    }
  });
  return problems;
}

/** Every string in the message that Slack would turn into a mention. */
export function slackPings(payload: unknown, found: string[] = []): string[] {
  if (typeof payload === "string") {
    if (SLACK_MENTION.test(payload)) found.push(payload);
  } else if (payload && typeof payload === "object") {
    for (const [key, value] of Object.entries(payload)) if (key !== "title_link" && key !== "icon_url") slackPings(value, found);
  }
  return found;
}

export function startFakeSlack({ now = Date.now, rates = [{ count: 1, perMs: 1_000 }] }: Options = {}): FakeSlack {
  const hooks = new Set<string>();
  const broken = new Map<string, { status: number; body: string }>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const reject = (status: number, body: string, headers: Record<string, string> = {}) => {
      state.rejected.push({ path: url.pathname, status, reason: body, at });
      return new Response(body, { status, headers: { "content-type": "text/plain", ...headers } });
    };
    const failure = broken.get(url.pathname);
    if (failure) return reject(failure.status, failure.body);
    if (req.method !== "POST" || !hooks.has(url.pathname)) return reject(404, "no_service");
    const slot = window.admit(url.pathname);
    if (!slot.ok) {
      state.rateLimited++;
      // Slack's Retry-After is whole seconds: that, not the exact window, is what a sender sees.
      const seconds = Math.ceil(slot.retryAfterMs / 1000);
      return reject(429, "rate_limited", { "retry-after": String(seconds), "x-fake-retry-after-ms": String(seconds * 1000) });
    }
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(await req.text());
    } catch {
      return reject(400, "invalid_payload");
    }
    const problems = slackPayloadProblems(payload);
    if (problems.length > 0) return reject(400, `invalid_payload: ${problems.join("; ")}`);
    state.pings.push(...slackPings(payload));
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return new Response("ok", { headers: { "content-type": "text/plain" } });
  });

  return Object.assign(state, {
    stop,
    hook: (path: string) => {
      hooks.add(`/services/${path}`);
      return `${base}/services/${path}`;
    },
    broken: (kind: "channel_not_found" | "channel_is_archived" | "action_prohibited") => {
      const status = { channel_not_found: 404, channel_is_archived: 410, action_prohibited: 403 }[kind];
      // A token of its own, not the error word: every path segment of a URL is scrubbed from answers.
      const path = `/services/T0/B0/broken${status}`;
      broken.set(path, { status, body: kind });
      return `${base}${path}`;
    },
  });
}
