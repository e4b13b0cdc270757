// Filters at the edges, on both backends through a real daemon: a time bound before 1970 (or an
// absurd duration) means "from the start", and a name with a control character (NUL, which
// PostgreSQL refuses in text) is a 400 naming the parameter, in the API, the dashboard and replay.
import { afterEach, describe, expect, test } from "bun:test";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { cleanUp, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { skipWithoutPostgres, usePgDatabase } from "../helpers/pg.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let daemon: Daemon | undefined;
let receiver: Receiver | undefined;
afterEach(() => cleanUp(daemon, receiver));

const pg = usePgDatabase();
const skipPg = skipWithoutPostgres("filter-bounds (PostgreSQL)");

async function run(storage: string) {
  receiver = startReceiver();
  const config = writeConfig(`
[server]
listen = "127.0.0.1:0"
[storage]
${storage}
${LOOPBACK_SECURITY}
[dashboard]
enabled = true
[[destinations]]
name = "recv"
url = "${receiver.url}/hook"
[[routes]]
name = "all"
events = ["*"]
to = ["recv"]
`);
  daemon = await startDaemon(config.path);
  const url = daemon.url;
  const published = await fetch(`${url}/v1/events`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ event: "completed", data: {} }) });
  expect(published.status).toBe(202);
  const get = async (path: string) => {
    const response = await fetch(`${url}${path}`);
    return { status: response.status, text: await response.text() };
  };
  const count = async (path: string) => {
    const answer = await get(path);
    expect({ path, status: answer.status }).toEqual({ path, status: 200 });
    const body = JSON.parse(answer.text) as { events?: unknown[]; deliveries?: unknown[] };
    return (body.events ?? body.deliveries)!.length;
  };

  for (const since of ["1969-12-31T23:59:59Z", "500000h", "99999999999999999999h"]) {
    expect({ since, n: await count(`/v1/events?since=${since}`) }).toEqual({ since, n: 1 });
    expect((await get(`/ui/events?since=${since}`)).text).toContain("completed");
    expect((await get(`/ui/deliveries?since=${since}`)).text).toContain("data-delivery=");
  }
  expect(await count("/v1/events?until=1969-12-31T23:59:59Z")).toBe(0);

  for (const [path, parameter] of [["/v1/events?name=a%00b", "name"], ["/v1/events?source=%00", "source"], ["/v1/deliveries?event=a%00b", "event"]] as const) {
    const answer = await get(path);
    expect({ path, status: answer.status }).toEqual({ path, status: 400 });
    expect(JSON.parse(answer.text)).toMatchObject({ error: { issues: [{ path: parameter, message: "must not hold control characters (NUL, newlines, ...) or unpaired surrogates" }] } });
  }
  for (const path of ["/ui/events?name=a%00b", "/ui/deliveries?event=a%00b"]) {
    const answer = await get(path);
    expect({ path, status: answer.status }).toEqual({ path, status: 400 });
    expect(answer.text).toContain("must not hold control characters");
  }
  const replay = await fetch(`${url}/v1/events/replay`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "a\u0000" }) });
  expect(replay.status).toBe(400);
  expect(await replay.text()).toContain("must not hold control characters");
}

describe("filters at the edges", () => {
  test("SQLite", () => run(`path = "{{db}}"`));
  test.skipIf(skipPg)("PostgreSQL", async () => run(`url = "${await pg.create()}"`));
});
