// `herald events` and `herald replay` as an operator runs them next to a running daemon: the
// listing, and a replay to a destination added to the config after the event arrived.
import { writeFileSync } from "node:fs";
import { afterEach, describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, eventually, publish, runHerald, startDaemon, writeConfig, type Daemon, fillDb } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver | undefined;
let daemon: Daemon | undefined;
afterEach(async () => {
  await cleanUp(daemon, receiver);
  daemon = undefined;
  receiver = undefined;
});

describe("the events commands", () => {
  test("list events, then replay one to a destination configured later", async () => {
    receiver = startReceiver();
    const toml = relayToml("{{db}}", receiver.url);
    const config = writeConfig(toml);
    daemon = await startDaemon(config.path);
    const first = (await publish(daemon, { event: "completed", data: { task_id: "t1" } })).body.id;
    const second = (await publish(daemon, { event: "failed", data: { task_id: "t2" } })).body.id;
    await eventually(() => receiver!.requests.length === 2, 10_000, "both events delivered");

    const list = await runHerald(["events", "--config", config.path]);
    expect(list).toMatchObject({ code: 0, stderr: "" });
    const [header, ...rows] = list.stdout.trimEnd().split("\n");
    expect(header).toMatch(/^ID +EVENT +SOURCE +RECEIVED +DELIVERIES$/);
    expect(rows.map((row) => [row.split(/ +/)[0], row.split(/ +/)[1], row.split(/ +/).at(-1)])).toEqual([[second, "failed", "1"], [first, "completed", "1"]]);
    const json = JSON.parse((await runHerald(["events", "--name", "completed", "--json", "--config", config.path])).stdout);
    expect(json).toEqual({ events: [expect.objectContaining({ id: first, event: "completed", data: { task_id: "t1" }, source: null })], next_cursor: null });

    writeFileSync(config.path, fillDb(`${toml}\n[[destinations]]\nname = "late"\nurl = "${receiver.url}/late"\n`, config.db));
    daemon.signal("SIGHUP");
    await daemon.waitForLog((line) => line.msg === "config.reloaded");
    const replay = await runHerald(["replay", first, "evt_01JD0000000000000000000000", "--destination", "late", "--json", "--config", config.path]);
    expect(replay.code).toBe(0);
    expect(replay.stderr).toBe("evt_01JD0000000000000000000000: not replayed: unknown event\n");
    const answer = JSON.parse(replay.stdout);
    expect(answer).toEqual({ count: 1, events: [{ id: first, deliveries: [{ id: expect.stringMatching(/^dlv_/), destination: "late" }] }], skipped: [{ id: "evt_01JD0000000000000000000000", reason: "unknown event" }], next_cursor: null });
    await eventually(() => receiver!.requests.length === 3, 10_000, "the replayed delivery sent by the running daemon");
    expect(receiver.requests[2]).toMatchObject({ path: "/late", headers: expect.objectContaining({ "x-herald-event-id": first, "x-herald-delivery": answer.events[0].deliveries[0].id }) });
    expect(receiver.requests[2]!.body).toBe(receiver.requests[0]!.body);

    const bulk = await runHerald(["replay", "--name", "failed", "--config", config.path]);
    expect(bulk.code).toBe(0);
    expect(bulk.stdout).toMatch(new RegExp(`^replayed 1 event as 1 new delivery\\nEVENT +DELIVERY +DESTINATION\\n${second} +dlv_\\w+ +recv\\n$`));
  });

  test("usage errors are one line and exit 2; an unknown destination exits 1 naming the configured ones", async () => {
    const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9"));
    const both = await runHerald(["replay", "evt_x", "--name", "completed", "--config", config.path]);
    expect(both).toMatchObject({ code: 2, stderr: "herald: replay takes event ids or filters (--name, --source, --since, --until), not both\nsee 'herald replay --help'\n" });
    const none = await runHerald(["replay", "--config", config.path]);
    expect(none.code).toBe(2);
    expect((await runHerald(["events", "--since", "soon", "--config", config.path])).stderr).toStartWith('herald: --since: "soon" is not an RFC 3339 time');
    expect((await runHerald(["deliveries", "--destination", "a", "--destination", "b", "--config", config.path])).stderr).toStartWith("herald: --destination may be given once here");
    const unknown = await runHerald(["replay", "evt_x", "--destination", "nope", "--config", config.path]);
    expect(unknown).toMatchObject({ code: 1, stderr: 'herald: --destination: unknown destination "nope"; the config has "recv"\n' });
    // replay reads the routes: a bad match operator there is the config error check reports.
    const badRoute = writeConfig(`[storage]\npath = "{{db}}"\n[[destinations]]\nname = "x"\nurl = "https://x.example.com/h"\n[[routes]]\nname = "r"\nevents = ["*"]\nmatch = { "data.n" = { gte_ = 1 } }\nto = ["x"]\n`);
    expect(await runHerald(["replay", "evt_x", "--config", badRoute.path])).toMatchObject({ code: 1, stderr: 'routes[0].match."data.n": unknown operator "gte_"; did you mean "gte"?\n' });
    const help = await runHerald(["events", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toStartWith("usage: herald events [--name N]");
  });
});
