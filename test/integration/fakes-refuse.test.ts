// The fakes are only worth testing against if they refuse what the real platforms refuse:
// each bad request here gets the platform's error status and shape.
import { afterEach, expect, test } from "bun:test";
import { startFakeGoogleChat } from "../helpers/fake-google-chat.ts";
import { startFakeNtfy } from "../helpers/fake-ntfy.ts";
import { startFakeTeams } from "../helpers/fake-teams.ts";
import { startFakeTelegram } from "../helpers/fake-telegram.ts";

const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

const post = async (url: string, body: unknown, type = "application/json") => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": type }, body: typeof body === "string" ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
};

test("Telegram refuses form bodies, unparsable HTML, over-long text and unknown chats", async () => {
  const fake = startFakeTelegram();
  stops.push(fake.stop);
  const url = fake.bot("1:T", ["42"]);
  expect(await post(url, "chat_id=42&text=hi", "application/x-www-form-urlencoded")).toMatchObject({ status: 400 });
  expect((await post(url, { chat_id: 42, text: "<b>open", parse_mode: "HTML" })).body).toMatchObject({ ok: false, error_code: 400, description: 'Bad Request: can\'t parse entities: unclosed tag "b"' });
  expect((await post(url, { chat_id: 42, text: "a < b", parse_mode: "HTML" })).body.description).toStartWith("Bad Request: can't parse entities");
  expect((await post(url, { chat_id: 42, text: "&nbsp;", parse_mode: "HTML" })).status).toBe(400);
  expect((await post(url, { chat_id: 42, text: "x".repeat(4097) })).body.description).toStartWith("Bad Request: message is too long");
  expect((await post(url, { chat_id: 7, text: "hi" })).body.description).toBe("Bad Request: chat not found");
  expect((await post(url.replace("1:T", "1:X"), { chat_id: 42, text: "hi" })).status).toBe(401);
  expect(fake.accepted).toEqual([]);
});

test("Teams refuses a body that is not a message with an Adaptive Card, a card over 28 KB, and a wrong sig", async () => {
  const fake = startFakeTeams();
  stops.push(fake.stop);
  const url = fake.workflow("w", "good-sig");
  const card = (body: unknown[]) => ({ type: "message", attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", content: { type: "AdaptiveCard", version: "1.4", body } }] });
  expect((await post(url, { text: "hi" })).body.error.code).toBe("TriggerInputSchemaMismatch");
  expect((await post(url, card([]))).status).toBe(400);
  expect((await post(url, card([{ type: "TextBlock", text: "x".repeat(30_000) }]))).status).toBe(413);
  expect((await post(url.replace("good-sig", "bad-sig"), card([{ type: "TextBlock", text: "hi" }]))).status).toBe(401);
  expect((await post(url, card([{ type: "TextBlock", text: "hi" }]))).status).toBe(202);
});

test("Google Chat refuses malformed cards, card HTML it cannot parse and messages over 32,000 bytes", async () => {
  const fake = startFakeGoogleChat({ rates: [{ count: 100, perMs: 1_000 }] });
  stops.push(fake.stop);
  const url = fake.space("S", "k", "t");
  const widgets = (w: unknown[]) => ({ cardsV2: [{ cardId: "c", card: { sections: [{ widgets: w }] } }] });
  expect((await post(url, {})).body.error.status).toBe("INVALID_ARGUMENT");
  expect((await post(url, widgets([{ textParagraph: { text: "<script>x</script>" } }]))).status).toBe(400);
  expect((await post(url, widgets(Array.from({ length: 101 }, () => ({ textParagraph: { text: "x" } }))))).status).toBe(400);
  expect((await post(url, { text: "x".repeat(4_000), cardsV2: [{ cardId: "c", card: { sections: [{ widgets: [{ textParagraph: { text: "é".repeat(15_000) } }] }] } }] })).status).toBe(400);
  expect((await post(url.replace("token=t", "token=u"), { text: "hi" })).body.error.status).toBe("UNAUTHENTICATED");
});

test("ntfy refuses a bad priority, a message over 4,096 bytes, and a protected topic without its token", async () => {
  const fake = startFakeNtfy();
  stops.push(fake.stop);
  fake.topic("open");
  const base = fake.topic("locked", "tk_right").replace(/locked$/, "");
  expect((await post(base, { topic: "open", message: "hi", priority: 9 })).body).toMatchObject({ http: 400 });
  expect((await post(base, { topic: "open", message: "€".repeat(1_366) })).status).toBe(400);
  expect((await post(base, { topic: "locked", message: "hi" })).body).toMatchObject({ code: 40301, http: 403 });
  expect((await post(base, { topic: "open", message: "hi" })).status).toBe(200);
});
