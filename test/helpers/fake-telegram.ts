// A stand-in for the Telegram Bot API's sendMessage: it refuses what Telegram refuses (an
// unknown bot token, an unknown chat, a body that is not JSON, empty or over-long text, HTML
// that parse_mode HTML cannot parse) with Telegram's answer shape, and paces each chat with
// real 429s that name their wait in parameters.retry_after (and send no Retry-After header).

import { htmlProblems, visibleText } from "./fake-html.ts";
import { json, serve, slidingWindows, type Accepted, type Arrival, type FakePlatform, type Rate, type Rejected } from "./fake-platforms.ts";

export interface FakeTelegram extends FakePlatform {
  /** The sendMessage URL of a bot that may post to `chats`. */
  bot(token: string, chats: string[]): string;
}

/** Telegram's HTML tags (core.telegram.org/bots/api#html-style). */
const TELEGRAM_TAGS = new Set(["b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a", "tg-emoji", "code", "pre", "blockquote"]);

/** The "@username" mentions Telegram would make of the visible text (usernames are 5+ characters). */
export function telegramMentions(visible: string): string[] {
  return visible.match(/(?<![\w@])@[A-Za-z]\w{4,}/g) ?? [];
}

/** Every way this sendMessage body breaks Telegram's rules, in Telegram's words. */
export function telegramPayloadProblems(payload: Record<string, unknown>): string[] {
  if (payload.chat_id === undefined) return ["Bad Request: chat_id is empty"];
  if (typeof payload.text !== "string" || payload.text.trim() === "") return ["Bad Request: message text is empty"];
  const html = payload.parse_mode === "HTML";
  if (html) {
    const problems = htmlProblems(payload.text, TELEGRAM_TAGS);
    if (problems.length > 0) return [`Bad Request: can't parse entities: ${problems[0]}`];
  }
  const length = (html ? visibleText(payload.text) : payload.text).length;
  return length > 4096 ? [`Bad Request: message is too long (${length} characters after entity parsing, limit 4096)`] : [];
}

/** By default the limits Telegram's FAQ gives: about 1 message a second per chat, 20 a minute in a group. */
export function startFakeTelegram({ now = Date.now, rates = [{ count: 1, perMs: 1_000 }, { count: 20, perMs: 60_000 }] as Rate[] } = {}): FakeTelegram {
  const bots = new Map<string, Set<string>>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const answer = (status: number, description: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) => {
      state.rejected.push({ path: url.pathname, status, reason: description, at });
      return json(status, { ok: false, error_code: status, description, ...extra }, headers);
    };
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    if (!match || !bots.has(match[1]!)) return answer(401, "Unauthorized");
    if (match[2] !== "sendMessage" || req.method !== "POST") return answer(404, "Not Found");
    if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return answer(400, "Bad Request: message text is empty");
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(await req.text());
    } catch {
      return answer(400, "Bad Request: can't parse JSON");
    }
    const problems = telegramPayloadProblems(payload);
    if (problems.length > 0) return answer(400, problems[0]!);
    const chat = String(payload.chat_id);
    if (!bots.get(match[1]!)!.has(chat)) return answer(400, "Bad Request: chat not found");
    const slot = window.admit(chat);
    if (!slot.ok) {
      state.rateLimited++;
      const seconds = Math.ceil(slot.retryAfterMs / 1000);
      return answer(429, `Too Many Requests: retry after ${seconds}`, { parameters: { retry_after: seconds } }, { "x-fake-retry-after-ms": String(seconds * 1000) });
    }
    state.pings.push(...telegramMentions(visibleText(String(payload.text))));
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return json(200, { ok: true, result: { message_id: state.accepted.length, chat: { id: chat }, date: Math.floor(at / 1000), text: visibleText(String(payload.text)) } });
  });

  return Object.assign(state, {
    stop,
    bot: (token: string, chats: string[]) => {
      bots.set(token, new Set(chats));
      return `${base}/bot${token}/sendMessage`;
    },
  });
}
