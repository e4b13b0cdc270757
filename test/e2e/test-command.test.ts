// `herald test DESTINATION`: the command a user runs right after adding a webhook URL.
import { afterEach, describe, expect, test } from "bun:test";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { startFakeDiscord, startFakeSlack, type FakePlatform } from "../helpers/fake-platforms.ts";
import { startFakeGoogleChat } from "../helpers/fake-google-chat.ts";
import { startFakeNtfy } from "../helpers/fake-ntfy.ts";
import { startFakeTeams } from "../helpers/fake-teams.ts";
import { startFakeTelegram } from "../helpers/fake-telegram.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let stops: Array<{ stop(): void }> = [];
afterEach(() => {
  for (const s of stops) s.stop();
  stops = [];
});
const track = <T extends FakePlatform | Receiver>(server: T): T => (stops.push(server), server);

function configWith(destinations: string) {
  return writeConfig(`
[storage]
path = "{{db}}"
${LOOPBACK_SECURITY}
${destinations}
`);
}

describe("herald test", () => {
  test("sends a sample to Discord, prints status, latency and the answer, exits 0; the URL stays hidden", async () => {
    const discord = track(startFakeDiscord());
    const url = discord.webhook("4242", "sekret-webhook-token-abcdef");
    const { path } = configWith(`[[destinations]]\nname = "ops"\ntype = "discord"\nurl = "${url}"`);
    const { code, stdout, stderr } = await runHerald(["test", "ops", "--config", path, "--event", "failed"]);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout).toMatch(/^sending a sample "failed" event to ops \(discord, http:\/\/127\.0\.0\.1:\d+\/api\/\*\*\*\)\n/);
    expect(stdout).toMatch(/\nstatus: 200 in \d+ ms \(delivered\)\nresponse: \{/);
    expect(stdout).not.toContain("sekret-webhook-token-abcdef");
    const [message] = discord.accepted;
    expect((message!.payload.embeds as Array<{ title: string; color: number }>)[0]).toMatchObject({ title: "Scrape failed: test\\_123", color: 0xe74c3c });
  });

  test("the answer is shown with its lines, but without bidi, zero-width or control characters", async () => {
    const receiver = track(startReceiver(() => new Response("line one\u202Eevil\u200B\u001b]0;title\u0007\nline two\tend")));
    const { path } = configWith(`[[destinations]]\nname = "api"\nurl = "${receiver.url}/hook"`);
    const { code, stdout } = await runHerald(["test", "api", "--config", path]);
    expect(code).toBe(0);
    expect(stdout).toContain("response: line one evil ]0;title \nline two\tend\n");
    expect(stdout).not.toMatch(/[\p{Cf}\u001b\u0007]/u);
  });

  test("a Spider event name gets a Spider-shaped sample", async () => {
    const slack = track(startFakeSlack());
    const { path } = configWith(`[[destinations]]\nname = "chat"\ntype = "slack"\nurl = "${slack.hook("T9/B9/token")}"`);
    const { code, stdout } = await runHerald(["test", "chat", "--config", path, "--event", "on_website_status"]);
    expect(code).toBe(0);
    expect(stdout).toContain("response: ok");
    expect(slack.accepted[0]!.payload.text).toBe("✅ Crawl complete: example.com");
  });

  test("a receiver's error exits 1 and says whether a delivery would be retried", async () => {
    const receiver = track(startReceiver(statusSequence(503)));
    const { path } = configWith(`[[destinations]]\nname = "api"\nurl = "${receiver.url}/hook"\nsecret = "s3cret-value"`);
    const { code, stdout } = await runHerald(["test", "api", "--config", path]);
    expect(code).toBe(1);
    expect(stdout).toContain("status: 503 in ");
    expect(stdout).toContain("(would be retried)");
    expect(stdout).toContain("response: status 503");
    // The sample is signed like a real delivery.
    expect(receiver.requests[0]!.headers["x-herald-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(receiver.requests[0]!.body)).toMatchObject({ event: "completed", data: { task_id: "test_123" } });
  });

  test("an unknown destination, a receiver that is down and a missing name are clear errors", async () => {
    const receiver = track(startReceiver());
    const down = receiver.url;
    receiver.stop();
    const { path } = configWith(`[[destinations]]\nname = "local"\nurl = "${down}/in/s3cr3t?k=abc123"`);
    const unknown = await runHerald(["test", "nope", "--config", path]);
    expect(unknown).toMatchObject({ code: 1, stdout: "", stderr: 'herald: unknown destination "nope"; the config has "local"\n' });
    const refused = await runHerald(["test", "local", "--config", path]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toStartWith(`sending a sample "completed" event to local (custom, ${down}/***)\n`);
    // Herald's words, the code and the host: never the runtime's text, the path or the query.
    expect(refused.stdout).toEndWith(` ms (would be retried)\n`);
    expect(refused.stdout).toContain(`\nerror: network: connection refused (ECONNREFUSED) at ${down} after `);
    expect(refused.stdout).not.toMatch(/s3cr3t|abc123/);
    const usage = await runHerald(["test", "--config", path]);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("herald: test takes one destination name");
  });

  test("works for Telegram, Teams, Google Chat and ntfy: the fake accepts the sample, exit 0", async () => {
    const telegram = track(startFakeTelegram());
    const teams = track(startFakeTeams());
    const chat = track(startFakeGoogleChat());
    const ntfy = track(startFakeNtfy());
    const { path } = configWith(`
[[destinations]]
name = "tg"
type = "telegram"
url = "${telegram.bot("42:TeLeGrAmToKeN", ["-1001"])}"
chat_id = "-1001"
[[destinations]]
name = "teams"
type = "teams"
url = "${teams.workflow("w1", "sig-SECRET-1")}"
[[destinations]]
name = "gchat"
type = "googlechat"
url = "${chat.space("AAAA", "key-SECRET-2", "token-SECRET-3")}"
[[destinations]]
name = "phone"
type = "ntfy"
url = "${ntfy.topic("alerts", "tk_SECRET4")}"
token = "tk_SECRET4"`);
    for (const [name, type, status] of [["tg", "telegram", 200], ["teams", "teams", 202], ["gchat", "googlechat", 200], ["phone", "ntfy", 200]] as const) {
      const { code, stdout, stderr } = await runHerald(["test", name, "--config", path, "--event", "failed"]);
      expect({ name, code, stderr }).toEqual({ name, code: 0, stderr: "" });
      expect(stdout).toStartWith(`sending a sample "failed" event to ${name} (${type}, `);
      expect(stdout).toContain(`\nstatus: ${status} in `);
      expect(stdout).not.toMatch(/TeLeGrAmToKeN|SECRET/);
    }
    expect(String(telegram.accepted[0]!.payload.text)).toStartWith("❌ <b>Scrape failed: test_123</b>");
    expect((teams.accepted[0]!.payload as any).attachments[0].content.body[0]).toMatchObject({ text: "❌ Scrape failed: test_123", color: "Attention" });
    expect((chat.accepted[0]!.payload as any).cardsV2[0].card.header.title).toBe("❌ Scrape failed: test_123");
    expect(ntfy.accepted[0]!.payload).toMatchObject({ topic: "alerts", title: "Scrape failed: test_123", priority: 4, tags: ["x"] });
  });
});
