// `data` reaches receivers exactly as published, or the request is refused naming the path:
// a number a 64-bit float would alter, or a key twice in one object (parsers disagree on which
// value wins). Through the real ingress, a real SQLite file and a real receiver.
import { afterEach, describe, expect, test } from "bun:test";
import { configFrom, relayToml } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver | undefined;
afterEach(() => {
  receiver?.stop();
  receiver = undefined;
});

const SOURCE = `[[sources]]\nname = "local"\npath = "/in/local"\nverify = "none"\nevent = "local.ping"\n`;

function harness() {
  receiver = startReceiver();
  const url = receiver.url;
  return createHarness((db) => configFrom(relayToml(db, url, { extra: SOURCE })));
}

// Through select, which waits for the outbox to be open: a refused publish never touches it, so on
// PostgreSQL a first test's database may not be migrated yet when it reads.
const stored = async (h: ReturnType<typeof createHarness>) => (await h.select("SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries"))[0];

async function refusal(response: Response) {
  expect(response.status).toBe(400);
  return ((await response.json()) as { error: { code: string; message: string; issues: Array<{ path: string; message: string }> } }).error;
}

describe("numbers", () => {
  test("a number a float would change is refused with 400 naming its path; nothing is stored", async () => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", '{"event":"completed","data":{"task_id":"t1","big":12345678901234567890}}'));
    const message = "the number 12345678901234567890 cannot be relayed exactly: as a 64-bit float (15-17 significant digits) it would arrive as 12345678901234567000; send it as a string";
    expect(error).toEqual({ code: "invalid_body", message: `the body cannot be relayed as sent: data.big: ${message}`, issues: [{ path: "data.big", message }] });
    expect(await stored(h)).toEqual({ events: 0, deliveries: 0 });
  });

  test.each([
    ["an overflow", "1e400", "null"],
    ["an underflow", "1e-400", "0"],
    ["a subnormal that loses digits", "4.9e-324", "5e-324"],
    ["too many decimals", "0.30000000000000001", "0.3"],
    ["an integer past 2^53", "9007199254740993", "9007199254740992"],
  ])("%s (%s) is refused, saying what it would become", async (_, literal, becomes) => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", `{"event":"completed","data":{"list":[1,{"n":${literal}}]}}`));
    expect(error.issues).toEqual([{ path: "data.list[1].n", message: expect.stringContaining(`the number ${literal} cannot be relayed exactly`) }]);
    expect(error.issues[0]!.message).toContain(`it would arrive as ${becomes};`);
  });

  test("numbers that keep their value are relayed byte for byte; 1.0 and 1e2 keep their value and arrive as 1 and 100", async () => {
    const h = harness();
    const exact = '{"big":"12345678901234567890","ratio":0.30000000000000004,"max":9007199254740991,"tiny":5e-324,"huge":1.7976931348623157e+308,"neg":-12.5,"list":[0,1,2]}';
    expect((await h.post("/v1/events", `{"event":"completed","data":${exact}}`)).status).toBe(202);
    expect((await h.post("/v1/events", '{"event":"completed","data":{"a":1.0,"b":1e2,"c":-1.0,"d":2.50}}')).status).toBe(202);
    await h.tickAndSettle();
    const bodies = (await receiver!.waitFor(2)).map((r) => r.body);
    expect(bodies[0]).toContain(`"data":${exact}}`);
    expect(bodies[1]).toContain('"data":{"a":1,"b":100,"c":-1,"d":2.5}}');
  });

  test("-0 would arrive as 0, without its sign: refused with 400 naming its path; nothing is stored", async () => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", '{"event":"completed","data":{"ok":0,"delta":-0}}'));
    const message = "the number -0 cannot be relayed exactly: negative zero would arrive as 0, without its sign; send 0, or a string";
    expect(error).toEqual({ code: "invalid_body", message: `the body cannot be relayed as sent: data.delta: ${message}`, issues: [{ path: "data.delta", message }] });
    expect(await stored(h)).toEqual({ events: 0, deliveries: 0 });
  });
});

describe("duplicate keys", () => {
  test("a key twice in one object is refused with 400 naming it; nothing is stored", async () => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", '{"event":"completed","data":{"a":1,"b":{"c":1},"a":2}}'));
    expect(error).toEqual({ code: "invalid_body", message: 'the body cannot be relayed as sent: data.a: duplicate key "a"', issues: [{ path: "data.a", message: 'duplicate key "a"' }] });
    expect(await stored(h)).toEqual({ events: 0, deliveries: 0 });
  });

  test('keys equal after unescaping are duplicates ("a\\u0062" and "ab"); the same key in sibling objects is not', async () => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", '{"event":"completed","data":{"rows":[{"ab":1},{"ab":2}],"x":{"a\\u0062":1,"ab":2}}}'));
    expect(error.issues).toEqual([{ path: "data.x.ab", message: 'duplicate key "ab"' }]);
  });

  test("outside data too: a second `event` is refused rather than one of them silently winning", async () => {
    const h = harness();
    const error = await refusal(await h.post("/v1/events", '{"event":"completed","data":{},"event":"failed"}'));
    expect(error.issues).toEqual([{ path: "event", message: 'duplicate key "event"' }]);
  });
});

test("a batch names each bad item by its path and stores nothing", async () => {
  const h = harness();
  const events = ['{"event":"a","data":{}}', '{"event":"a","data":{}}', '{"event":"a","data":{}}', '{"event":"a","data":{"x":1,"x":1,"n":123456789012345678901}}'];
  const error = await refusal(await h.post("/v1/events/batch", `{"events":[${events.join(",")}]}`));
  expect(error.issues.map((issue) => issue.path)).toEqual(["events[3].data.x", "events[3].data.n"]);
  expect(await stored(h)).toEqual({ events: 0, deliveries: 0 });
});

test("an inbound source's body is held to the same rule", async () => {
  const h = harness();
  const error = await refusal(await h.post("/in/local", '{"order":{"id":12345678901234567890}}'));
  expect(error.issues).toEqual([{ path: "order.id", message: expect.stringContaining("cannot be relayed exactly") }]);
  expect(await stored(h)).toEqual({ events: 0, deliveries: 0 });
});
