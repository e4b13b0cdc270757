// A stand-in for a Google Chat space's incoming webhook: it refuses what Google Chat refuses
// (an unknown space, a wrong key or token, a body that is not JSON, a message over 32,000
// bytes, malformed cards v2, card text with HTML it does not parse) with Google's error shape,
// and paces each space with 429 RESOURCE_EXHAUSTED answers that name no wait.

import { htmlProblems } from "./fake-html.ts";
import { json, serve, slidingWindows, type Accepted, type Arrival, type FakePlatform, type Rate, type Rejected } from "./fake-platforms.ts";

export interface FakeGoogleChat extends FakePlatform {
  space(name: string, key: string, token: string): string;
}

/** The HTML Google Chat card text takes (developers.google.com/workspace/chat/format-messages#card-formatting). */
const CARD_TAGS = new Set(["b", "i", "u", "s", "font", "a", "br"]);
const VOID = new Set(["br"]);

/** Every way this message breaks Google Chat's documented limits. */
export function googleChatPayloadProblems(payload: Record<string, any>, bytes: number): string[] {
  const problems: string[] = [];
  if (bytes > 32_000) problems.push(`message: ${bytes} bytes, limit 32000`);
  if (payload.text === undefined && payload.cardsV2 === undefined) problems.push("message: needs text or cardsV2");
  if (payload.text !== undefined && (typeof payload.text !== "string" || payload.text.length > 4096)) problems.push("text: at most 4096 characters");
  (payload.cardsV2 ?? []).forEach((entry: Record<string, any>, i: number) => {
    const at = `cardsV2[${i}]`;
    const card = entry.card;
    if (!card || !Array.isArray(card.sections)) return void problems.push(`${at}.card.sections: required`);
    if (card.header !== undefined && typeof card.header.title !== "string") problems.push(`${at}.card.header.title: required`);
    const widgets = card.sections.flatMap((section: Record<string, any>) => section.widgets ?? []);
    if (widgets.length > 100) problems.push(`${at}: ${widgets.length} widgets, limit 100`);
    widgets.forEach((widget: Record<string, any>, j: number) => {
      const kind = Object.keys(widget);
      const text = widget.textParagraph?.text ?? widget.decoratedText?.text;
      if (kind.length !== 1) problems.push(`${at}.widgets[${j}]: exactly one widget kind`);
      else if (widget.buttonList) {
        for (const button of widget.buttonList.buttons ?? []) if (!/^https?:\/\/\S+$/.test(button.onClick?.openLink?.url ?? "")) problems.push(`${at}.widgets[${j}]: a button without a link`);
      } else if (typeof text !== "string") problems.push(`${at}.widgets[${j}]: text required`);
      else problems.push(...htmlProblems(text, CARD_TAGS, VOID).map((p) => `${at}.widgets[${j}].text: ${p}`));
    });
  });
  return problems;
}

export function startFakeGoogleChat({ now = Date.now, rates = [{ count: 1, perMs: 1_000 }] as Rate[] } = {}): FakeGoogleChat {
  const spaces = new Map<string, { key: string; token: string }>();
  const window = slidingWindows(rates, now);
  const state = { arrivals: [] as Arrival[], accepted: [] as Accepted[], rejected: [] as Rejected[], rateLimited: 0, pings: [] as string[] };

  const { base, stop } = serve(state.arrivals, now, async (req, url) => {
    const at = now();
    const fail = (code: number, status: string, message: string, headers: Record<string, string> = {}) => {
      state.rejected.push({ path: url.pathname, status: code, reason: `${status} (${message})`, at });
      return json(code, { error: { code, message, status } }, headers);
    };
    const name = /^\/v1\/spaces\/([^/]+)\/messages$/.exec(url.pathname)?.[1];
    const space = name ? spaces.get(name) : undefined;
    if (!space) return fail(404, "NOT_FOUND", "Requested entity was not found.");
    if (url.searchParams.get("key") !== space.key || url.searchParams.get("token") !== space.token) return fail(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    if (!(req.headers.get("content-type") ?? "").startsWith("application/json")) return fail(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    const slot = window.admit(name!);
    if (!slot.ok) {
      state.rateLimited++;
      return fail(429, "RESOURCE_EXHAUSTED", "Resource has been exhausted (e.g. check quota).", { "x-fake-retry-after-ms": String(slot.retryAfterMs) });
    }
    const text = await req.text();
    let payload: Record<string, unknown>;
    try {
      payload = JSON.parse(text);
    } catch {
      return fail(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    const problems = googleChatPayloadProblems(payload, new TextEncoder().encode(text).byteLength);
    if (problems.length > 0) return fail(400, "INVALID_ARGUMENT", problems.join("; "));
    state.accepted.push({ path: url.pathname, search: url.search, payload, files: [], at });
    return json(200, { name: `spaces/${name}/messages/${state.accepted.length}`, ...payload });
  });

  return Object.assign(state, {
    stop,
    space: (name: string, key: string, token: string) => {
      spaces.set(name, { key, token });
      return `${base}/v1/spaces/${name}/messages?key=${key}&token=${token}`;
    },
  });
}
