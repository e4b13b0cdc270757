// A full run with every kind of secret in play, and a receiver that echoes them back: nothing
// Herald prints (daemon logs, CLI output, API answers, error messages) may contain any of them.
import { afterEach, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { cleanUp, eventually, runHerald, startDaemon, writeConfig, type Daemon, fillDb } from "../helpers/daemon.ts";
import { startFakeDiscord, type FakeDiscord } from "../helpers/fake-platforms.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const SECRETS = {
  PUBLISH: "publish-Tok3n-9f8e7d6c5b4a",
  ADMIN: "admin-Tok3n-0a1b2c3d4e5f6",
  SIGNING: "whsec_c2lnbmluZy1zZWNyZXQtdmFsdWUtMTIzNDU2",
  HEADER: "hdrCred-7Y6x5W4v3U2t1S",
  PATH_TOKEN: "PathTok3n-AbCdEf0123456789",
  DISCORD_TOKEN: "DiscordTok3n-QwErTy0123456789zz",
};

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
let discord: FakeDiscord | undefined;
afterEach(() => cleanUp(daemon, receiver, discord));

test("no secret or webhook URL appears in anything Herald prints during a full run", async () => {
  // The receiver reflects what it got (headers, path, body) in its 500 answers.
  receiver = startReceiver((request) => new Response(`echo ${request.path} ${JSON.stringify(request.headers)} ${request.body}`, { status: 500 }));
  discord = startFakeDiscord();
  const discordUrl = discord.webhook("5150", SECRETS.DISCORD_TOKEN);
  const env = { PUB: SECRETS.PUBLISH, ADM: SECRETS.ADMIN, SIGNING: SECRETS.SIGNING, HDR: SECRETS.HEADER, API_URL: `${receiver.url}/hook/${SECRETS.PATH_TOKEN}`, DISCORD_URL: discordUrl };
  const toml = `
[server]
listen = "127.0.0.1:0"
[storage]
path = "{{db}}"
[auth]
publish_tokens = ["\${PUB}"]
admin_tokens = ["\${ADM}"]
${LOOPBACK_SECURITY}
[delivery]
max_attempts = 2
backoff = ["100ms"]
jitter = 0
[log]
level = "debug"
[operational_events]
enabled = true
failing_after = 1
[[destinations]]
name = "api"
url = "\${API_URL}"
secret = "\${SIGNING}"
signature = "standard"
headers = { "X-Api-Key" = "\${HDR}" }
[[destinations]]
name = "chat"
type = "discord"
url = "\${DISCORD_URL}"
[[routes]]
name = "all"
events = ["*"]
to = ["api", "chat"]
[[routes]]
name = "alerts"
events = ["herald.*"]
to = ["chat"]
`;
  const config = writeConfig(toml);
  const outputs: string[] = [];
  const cli = async (...args: string[]) => {
    const result = await runHerald([...args, "--config", config.path], env);
    outputs.push(result.stdout, result.stderr);
    return result;
  };

  daemon = await startDaemon(config.path, env);
  const api = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${daemon!.url}${path}`, init);
    const text = await response.text();
    outputs.push(text);
    return { status: response.status, text };
  };
  const published = await api("/v1/events", {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${SECRETS.PUBLISH}` },
    body: JSON.stringify({ event: "failed", data: { task_id: "t1", error: "boom" } }),
  });
  expect(published.status).toBe(202);
  await api("/v1/events", { method: "POST", headers: { "content-type": "application/json", authorization: "Bearer wrong-token-value-123" }, body: "{}" });
  await eventually(() => daemon!.lines.some((l) => l.msg === "delivery.failed"), 10_000, "the api delivery fails");
  await eventually(() => discord!.accepted.length >= 2, 10_000, "the chat message and the alert");

  const eventId = JSON.parse(published.text).id as string;
  const admin = { authorization: `Bearer ${SECRETS.ADMIN}` };
  const list = JSON.parse((await api("/v1/deliveries", { headers: admin })).text) as { deliveries: Array<{ id: string }> };
  for (const d of list.deliveries) await api(`/v1/deliveries/${d.id}`, { headers: admin });
  await api(`/v1/events/${eventId}`, { headers: admin });
  await api("/metrics");

  await cli("check");
  await cli("deliveries");
  await cli("deliveries", "--json");
  for (const d of list.deliveries) await cli("delivery", d.id);
  await cli("test", "api");
  await cli("test", "chat");
  await cli("retry", "--status", "failed");

  // A reload with a broken file: the error names keys, never values.
  writeFileSync(config.path, fillDb(toml.replace('signature = "standard"', 'signature = "standard"\nunknown_key = "${HDR}"'), config.db));
  daemon.signal("SIGHUP");
  await daemon.waitForLog((l) => l.msg === "config.reload_failed");
  daemon.signal("SIGTERM");
  await daemon.exited;
  outputs.push(daemon.output());

  const everything = outputs.join("\n");
  expect(everything).toContain("delivery.failed"); // the run really happened and was captured
  expect(everything).toContain("HTTP 500");
  for (const [name, value] of Object.entries(SECRETS)) {
    const at = everything.indexOf(value);
    expect({ name, context: at >= 0 ? everything.slice(Math.max(0, at - 200), at + 50) : "" }).toEqual({ name, context: "" });
  }
  expect(everything).not.toContain(discordUrl);
  expect(everything).not.toContain(`/hook/${SECRETS.PATH_TOKEN}`);
});

test("the new platforms' tokens (Telegram bot token, Google Chat key and token, Teams sig, ntfy token) never show", async () => {
  const tokens = {
    TELEGRAM: "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsawQ",
    GCHAT_KEY: "AIzaSyDdI0hCZtE6vySjMmFakeKey",
    GCHAT_TOKEN: "GcHaTtOkEn-0123456789abcdef",
    TEAMS_SIG: "TeAmSsIgNaTuRe0123456789xyz",
    NTFY: "tk_ntfyAccessToken0123456789",
  };
  // The receiver reflects the whole request (path, query, headers, body) in a 400.
  receiver = startReceiver((request) => new Response(`echo ${request.path}${request.search} ${JSON.stringify(request.headers)} ${request.body}`, { status: 400 }));
  const config = writeConfig(`
[storage]
path = "{{db}}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "tg"
type = "telegram"
url = "${receiver.url}/bot${tokens.TELEGRAM}/sendMessage"
chat_id = "-100123"
[[destinations]]
name = "gchat"
type = "googlechat"
url = "${receiver.url}/v1/spaces/AAAA/messages?key=${tokens.GCHAT_KEY}&token=${tokens.GCHAT_TOKEN}"
[[destinations]]
name = "teams"
type = "teams"
url = "${receiver.url}/workflows/w1/triggers/manual/paths/invoke?api-version=1&sig=${tokens.TEAMS_SIG}"
[[destinations]]
name = "phone"
type = "ntfy"
url = "${receiver.url}/alerts"
token = "${tokens.NTFY}"
`);
  const outputs: string[] = [];
  for (const args of [["check"], ["check", "--json"], ["test", "tg"], ["test", "gchat"], ["test", "teams"], ["test", "phone"], ["test", "phone", "--json"]]) {
    const result = await runHerald([...args, "--config", config.path]);
    outputs.push(result.stdout, result.stderr);
  }
  const everything = outputs.join("\n");
  expect(everything).toContain("status: 400"); // the requests really went out and were echoed
  expect(receiver.requests.length).toBe(5);
  for (const [name, value] of Object.entries(tokens)) expect({ name, shown: everything.includes(value) }).toEqual({ name, shown: false });
});

test("a receiver echoing its path shows no path secret of a slack, discord or custom URL anywhere", async () => {
  const secrets = { SLACK: "MMSECRETHOOK", DISCORD: "DISCORDSECRETTOK", CUSTOM: "CUSTOMPATHSECRET", QUERY: "QUERYSECRET9" };
  receiver = startReceiver((request) => new Response(`path was ${request.path}${request.search}`, { status: 400 }));
  const config = writeConfig(`
[server]
listen = "127.0.0.1:0"
[storage]
path = "{{db}}"
${LOOPBACK_SECURITY}
[dashboard]
enabled = true
[delivery]
max_attempts = 1
[[destinations]]
name = "mm"
type = "slack"
url = "${receiver.url}/hooks/${secrets.SLACK}"
[[destinations]]
name = "dc"
type = "discord"
url = "${receiver.url}/api/webhooks/123/${secrets.DISCORD}"
[[destinations]]
name = "own"
url = "${receiver.url}/hook/${secrets.CUSTOM}?token=${secrets.QUERY}"
[[routes]]
name = "all"
events = ["*"]
to = ["mm", "dc", "own"]
`);
  daemon = await startDaemon(config.path);
  const outputs: string[] = [];
  const get = async (path: string) => {
    const text = await (await fetch(`${daemon!.url}${path}`)).text();
    outputs.push(text);
    return text;
  };
  const published = await fetch(`${daemon.url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "failed", data: { task_id: "t1" } }) });
  expect(published.status).toBe(202);
  await eventually(() => daemon!.lines.filter((l) => l.msg === "delivery.failed").length >= 3, 10_000, "the three deliveries fail");
  expect(receiver.requests.length).toBe(3);
  const list = JSON.parse(await get("/v1/deliveries")) as { deliveries: Array<{ id: string }> };
  for (const d of list.deliveries) {
    await get(`/v1/deliveries/${d.id}`);
    await get(`/ui/deliveries/${d.id}`);
    outputs.push((await runHerald(["delivery", d.id, "--config", config.path])).stdout);
  }
  await get("/ui/deliveries");
  for (const args of [["deliveries"], ["deliveries", "--json"]]) outputs.push((await runHerald([...args, "--config", config.path])).stdout);
  daemon.signal("SIGTERM");
  await daemon.exited;
  outputs.push(daemon.output());
  const everything = outputs.join("\n");
  expect(everything).toContain("path was /hooks/[redacted]"); // the echo really was recorded, scrubbed
  for (const [name, value] of Object.entries(secrets)) expect({ name, shown: everything.includes(value) }).toEqual({ name, shown: false });
});
