// The destination lifecycle through the real ingress, scheduler and outbox on the manual clock:
// a webhook the platform says is gone disables its destination (with an operational event), an
// operator pauses and resumes from the API or the CLI, `paused = true` holds a destination, a
// run of failures disables it, and a destination removed from the config keeps its deliveries.
import { afterEach, describe, expect, test } from "bun:test";
import { destinationsCommand, resumeCommand } from "../../src/commands/destinations-cli.ts";
import { destinationListAnswer, destinationStateAnswer } from "../../src/ingress/answer-schemas.ts";
import { startFakeDiscord, startFakeSlack, type FakePlatform } from "../helpers/fake-platforms.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";
import { postJson, getJson, PUBLISH, tokenedHarness, tokenedHead } from "../helpers/token-harness.ts";

let receiver: Receiver;
let fake: FakePlatform | undefined;
afterEach(() => {
  receiver?.stop();
  fake?.stop();
  fake = undefined;
});

interface Parts {
  /** The "chat" destination's keys after its name. */
  chat: string;
  /** More top-level tables. */
  extra?: string;
  /** false: the config without "chat" (and its route), as after removing it. */
  withChat?: boolean;
}

function toml(db: string, { chat, extra = "", withChat = true }: Parts): string {
  return `${tokenedHead(db)}
${extra}
${withChat ? `[[destinations]]\nname = "chat"\n${chat}\n` : ""}
[[destinations]]
name = "ops"
url = "${receiver.url}/ops"

${withChat ? `[[routes]]\nname = "tasks"\nevents = ["completed"]\nto = ["chat"]\n` : ""}
[[routes]]
name = "alerts"
events = ["herald.destination.disabled"]
to = ["ops"]
`;
}

const harness = (parts: Parts) => tokenedHarness(toml, parts);
type H = ReturnType<typeof harness>;

async function publish(h: H, task = "t1"): Promise<string> {
  const response = await h.post("/v1/events", { event: "completed", data: { task_id: task, status: "success" } }, PUBLISH);
  expect(response.status).toBe(202);
  return ((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
}

const admin = (h: H, method: "GET" | "POST", path: string) => (method === "GET" ? getJson(h, path) : postJson(h, path));

async function chatState(h: H) {
  const { status, body } = await admin(h, "GET", "/v1/destinations");
  expect(status).toBe(200);
  return destinationListAnswer.parse(body).destinations.find((d) => d.name === "chat")!;
}

function cliIo(h: H) {
  const out: string[] = [];
  return { out, io: { print: (t: string) => out.push(t), warn: (t: string) => out.push(t), clock: h.clock } };
}

describe("disabled when the platform says the webhook is gone", () => {
  test("Discord 404 code 10015 disables the destination, the ops channel hears it once, the next event waits, herald resume sends it", async () => {
    receiver = startReceiver();
    const discord = startFakeDiscord();
    fake = discord;
    const gone = discord.unknownWebhook();
    const h = harness({ chat: `type = "discord"\nurl = "${gone}"`, extra: "[operational_events]\nenabled = true" });

    const first = await publish(h, "t1");
    await h.tickAndSettle();
    expect(h.deliveryRow(first)).toMatchObject({ status: "failed", last_status_code: 404 });
    expect(await chatState(h)).toEqual({
      name: "chat",
      type: "discord",
      state: "disabled",
      held_by: "gone",
      reason: "HTTP 404: Discord error 10015 (Unknown Webhook)",
      since: new Date(h.clock.now()).toISOString(),
      pending: 0,
    });

    // The operational event, as the ops receiver got it: the name and why, never the URL.
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => r.path)).toEqual(["/ops"]);
    const alert = receiver.requests[0]!;
    expect(alert.headers["x-herald-event"]).toBe("herald.destination.disabled");
    const timestamp = new Date(h.clock.now()).toISOString();
    expect(alert.body).toBe(
      JSON.stringify({ event: "herald.destination.disabled", timestamp, data: { destination: "chat", cause: "gone", reason: "HTTP 404: Discord error 10015 (Unknown Webhook)", count: 1 } }),
    );
    expect(alert.body).not.toContain("999999");
    expect(h.logs.filter((l) => l.msg === "destination.disabled")).toHaveLength(1);

    // The operator fixes the URL (a reload); the destination stays disabled until resumed.
    const config = h.configOf({ chat: `type = "discord"\nurl = "${discord.webhook("1001", "tok")}"`, extra: "[operational_events]\nenabled = true" });
    h.setConfig(config);
    const second = await publish(h, "t2");
    await h.tickAndSettle();
    h.clock.advance(5_000);
    await h.tickAndSettle();
    expect(discord.accepted).toHaveLength(0);
    expect(h.deliveryRow(second).status).toBe("pending");
    expect((await chatState(h)).pending).toBe(1);

    // `herald resume chat` from another connection: the daemon reads the holds within a second.
    const { out, io } = cliIo(h);
    expect(await resumeCommand(config, "chat", {}, io)).toBe(0);
    expect(out).toEqual(["re-enabled chat: 1 pending delivery go out now"]);
    h.clock.advance(1_000);
    await h.tickAndSettle();
    expect(discord.accepted).toHaveLength(1);
    expect(h.deliveryRow(second).status).toBe("succeeded");
    expect((await chatState(h)).state).toBe("active");
    // No second alert: a re-enable is a log line only.
    expect(receiver.requests).toHaveLength(1);
  });

  test("Slack: a 404 channel_not_found disables it; a 403 action_prohibited fails only the delivery", async () => {
    receiver = startReceiver();
    const slack = startFakeSlack();
    fake = slack;
    const h = harness({ chat: `type = "slack"\nurl = "${slack.broken("action_prohibited")}"` });
    await publish(h);
    await h.tickAndSettle();
    expect((await chatState(h)).state).toBe("active");
    h.reload({ chat: `type = "slack"\nurl = "${slack.broken("channel_not_found")}"` });
    h.clock.advance(2_000);
    await publish(h);
    await h.tickAndSettle();
    expect(await chatState(h)).toMatchObject({ state: "disabled", held_by: "gone", reason: "HTTP 404: channel_not_found" });
  });
});

describe("pause and resume from the admin API", () => {
  test("paused deliveries wait and still expire at max_age; resume sends the rest at the next tick", async () => {
    receiver = startReceiver();
    const h = harness({ chat: `url = "${receiver.url}/chat"\nmax_age = "1h"` });

    const paused = await admin(h, "POST", "/v1/destinations/chat/pause");
    expect(paused.status).toBe(200);
    expect(destinationStateAnswer.parse(paused.body)).toMatchObject({ name: "chat", state: "paused", held_by: "operator", pending: 0 });

    const old = await publish(h, "old");
    await h.tickAndSettle();
    h.clock.advance(30 * 60_000);
    const recent = await publish(h, "recent");
    h.clock.advance(31 * 60_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(0);
    expect(h.deliveryRow(old).status).toBe("expired");
    expect(h.deliveryRow(recent).status).toBe("pending");

    // Pausing again changes nothing; the hold keeps its time.
    const again = await admin(h, "POST", "/v1/destinations/chat/pause");
    expect(again.body.since).toBe(paused.body.since);

    const resumed = await admin(h, "POST", "/v1/destinations/chat/resume");
    expect(resumed.status).toBe(200);
    expect(resumed.body).toMatchObject({ state: "active", held_by: null, pending: 1 });
    // No clock move: the resume told the scheduler at once.
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => JSON.parse(r.body).data.task_id)).toEqual(["recent"]);
    expect(h.deliveryRow(recent).status).toBe("succeeded");
  });

  test("a request in flight when the pause comes finishes and is recorded", async () => {
    let answer: (response: Response) => void = () => {};
    const answered = new Promise<Response>((resolve) => (answer = resolve));
    receiver = startReceiver(() => answered);
    const h = harness({ chat: `url = "${receiver.url}/chat"` });
    const id = await publish(h);
    const tick = await h.scheduler.tick();
    await receiver.waitFor(1);
    expect((await admin(h, "POST", "/v1/destinations/chat/pause")).body.state).toBe("paused");
    answer(new Response("ok"));
    await tick.settled;
    await h.scheduler.idle();
    expect(h.deliveryRow(id).status).toBe("succeeded");
  });

  test("an unknown name is a 404 naming the configured destinations", async () => {
    receiver = startReceiver();
    const h = harness({ chat: `url = "${receiver.url}/chat"` });
    for (const action of ["pause", "resume"]) {
      const { status, body } = await admin(h, "POST", `/v1/destinations/nope/${action}`);
      expect(status).toBe(404);
      expect(body).toEqual({ error: { code: "not_found", message: 'unknown destination "nope"; the config has "chat", "ops"' } });
    }
    const unauthorized = await h.ingress.request("/v1/destinations");
    expect(unauthorized.status).toBe(401);
  });
});

describe("paused = true in the config", () => {
  test("deliveries wait; resume is refused with why; removing the key (reload) sends them", async () => {
    receiver = startReceiver();
    const chat = `url = "${receiver.url}/chat"`;
    const h = harness({ chat: `${chat}\npaused = true` });
    const id = await publish(h);
    await h.tickAndSettle();
    h.clock.advance(2_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(0);
    expect(await chatState(h)).toMatchObject({ state: "paused", held_by: "config", reason: "paused = true in the config", since: null, pending: 1 });

    const refused = await admin(h, "POST", "/v1/destinations/chat/resume");
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toBe('destination "chat" is paused by paused = true in the config; remove that key and reload (SIGHUP) to resume it');

    h.reload({ chat });
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);
    expect(h.deliveryRow(id).status).toBe("succeeded");
  });
});

describe("disable_after_failures", () => {
  test("N deliveries in a row ending failed disable the destination; a success in between starts the count again", async () => {
    receiver = startReceiver(statusSequence(400, 200, 400, 400, 200));
    const h = harness({ chat: `url = "${receiver.url}/chat"\ndisable_after_failures = 2` });
    const ids: string[] = [];
    for (const task of ["a", "b", "c"]) {
      ids.push(await publish(h, task));
      await h.tickAndSettle();
    }
    expect((await chatState(h)).state).toBe("active");
    ids.push(await publish(h, "d"));
    await h.tickAndSettle();
    expect(ids.map((id) => h.deliveryRow(id).status)).toEqual(["failed", "succeeded", "failed", "failed"]);
    expect(await chatState(h)).toMatchObject({ state: "disabled", held_by: "failing", reason: "2 deliveries in a row ended failed or expired; the last: HTTP 400: status 400" });

    const waiting = await publish(h, "e");
    h.clock.advance(2_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(4);
    expect(h.deliveryRow(waiting).status).toBe("pending");

    const { out, io } = cliIo(h);
    await destinationsCommand(h.configOf({ chat: `url = "${receiver.url}/chat"\ndisable_after_failures = 2` }), { json: true }, io);
    expect(JSON.parse(out[0]!).destinations.map((d: { name: string; state: string; pending: number }) => [d.name, d.state, d.pending])).toEqual([
      ["chat", "disabled", 1],
      ["ops", "active", 0],
    ]);
  });
});

describe("a destination removed from the config", () => {
  test("its pending deliveries wait (maintenance no longer fails them) and go out when it is back", async () => {
    receiver = startReceiver();
    const chat = `url = "${receiver.url}/chat"`;
    const h = harness({ chat, extra: `[delivery]\nmax_age = "1h"` });
    const kept = await publish(h, "kept");
    h.reload({ chat, withChat: false, extra: `[delivery]\nmax_age = "1h"` });
    await h.tickAndSettle();
    h.clock.advance(2 * 60_000); // past maintenance's minute
    await h.tickAndSettle();
    expect(h.deliveryRow(kept)).toMatchObject({ status: "pending", last_error: null });
    expect(receiver.requests).toHaveLength(0);

    h.reload({ chat, extra: `[delivery]\nmax_age = "1h"` });
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => r.path)).toEqual(["/chat"]);
    expect(h.deliveryRow(kept).status).toBe("succeeded");
  });

  test("while it is gone its deliveries still expire at their max_age", async () => {
    receiver = startReceiver();
    const chat = `url = "${receiver.url}/chat"\nmax_age = "10m"`;
    const h = harness({ chat });
    const id = await publish(h);
    h.reload({ chat, withChat: false });
    h.clock.advance(11 * 60_000);
    await h.tickAndSettle();
    expect(h.deliveryRow(id).status).toBe("expired");
  });
});
