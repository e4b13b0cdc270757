// Property tests (fast-check) over everything a stranger can send Herald: the publish API, the
// inbound sources and the config loader. Every answer is a 4xx with a clear message, or a 2xx
// with the data stored intact; nothing is stored by a 4xx; nothing crashes.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createHmac } from "node:crypto";
import { stringify } from "smol-toml";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";
import { configFrom, relayToml } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SECRET = "fuzz-source-secret";

function harness() {
  return createHarness((db) =>
    configFrom(
      relayToml(db, "http://127.0.0.1:9", {
        server: `max_body = "64KiB"`,
        extra: `[[sources]]\nname = "s"\npath = "/in/s"\nverify = "sha256"\nheader = "X-Sig"\nsecret = "${SECRET}"\nevent_field = "event"\nevent = "fallback"\n`,
      }),
    ),
  );
}

type Harness = ReturnType<typeof createHarness>;
// Hundreds of publishes and row reads per property, on either backend: the reads go through
// h.select (one connection, no process per read), so PostgreSQL runs as many as SQLite.

const counts = async (h: Harness) => (await h.select("SELECT (SELECT count(*) FROM events) AS events, (SELECT count(*) FROM deliveries) AS deliveries"))[0] as { events: number; deliveries: number };

async function expectClearAnswer(h: Harness, response: Response, before: { events: number }) {
  expect([200, 202, 400, 401, 404, 413, 415]).toContain(response.status);
  const text = await response.text();
  const body = JSON.parse(text) as { error?: { code: string; message: string } };
  if (response.status >= 400) {
    expect(body.error?.code).toMatch(/^[a-z_]+$/);
    expect(body.error!.message.length).toBeGreaterThan(10);
    expect((await counts(h)).events).toBe(before.events);
  }
  return body;
}

// JSON values of every shape, including strings with control characters, unicode and huge numbers.
const json = fc.jsonValue({ maxDepth: 6 });
const eventName = fc.oneof(fc.constantFrom("completed", "on_find", "x\r\nX-Injected: 1", "a b", "", "é", "herald.delivery.failed"), fc.string({ maxLength: 140 }));

describe("the publish API, fuzzed", () => {
  test("random bodies of any JSON shape", async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(json, async (value) => {
        const before = await counts(h);
        const response = await h.post("/v1/events", JSON.stringify(value));
        await expectClearAnswer(h, response, before);
      }),
      { numRuns: RUNS },
    );
  });

  test("well-formed events with random names and data: a 2xx stores the data exactly; bad names are 400", async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(eventName, fc.dictionary(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("__proto__", "constructor", "toString")), json, { maxKeys: 8 }), async (name, data) => {
        const before = await counts(h);
        const response = await h.post("/v1/events", JSON.stringify({ event: name, data }));
        const body = (await expectClearAnswer(h, response, before)) as { id?: string };
        if (response.status === 202) {
          const stored = (await h.select("SELECT name, data FROM events WHERE id = ?", body.id!))[0] as { name: string; data: string };
          expect(stored.name).toBe(name);
          expect(JSON.parse(stored.data)).toEqual(JSON.parse(JSON.stringify(data)));
          expect(name).toMatch(/^[\x21-\x7e]{1,128}$/); // only header-safe names get through
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('keys like "__proto__" and "constructor" are stored like any other (fuzzing once caught "__proto__" dropped)', async () => {
    const h = harness();
    const text = '{"event":"x","data":{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":"s","b":3}}';
    const response = await h.post("/v1/events", text);
    expect(response.status).toBe(202);
    const stored = (await h.select("SELECT data FROM events"))[0] as { data: string };
    expect(stored.data).toBe('{"__proto__":{"polluted":true},"constructor":{"prototype":1},"toString":"s","b":3}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test("random bytes, invalid UTF-8, wrong content types and oversized bodies", async () => {
    const h = harness();
    const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8", "text/plain", "", "application/x-www-form-urlencoded", "APPLICATION/JSON");
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 2_000 }), contentType, fc.boolean(), async (bytes, type, oversize) => {
        const before = await counts(h);
        const body = oversize ? new Uint8Array(70 * 1024).fill(0x20) : bytes;
        const response = await h.ingress.request("/v1/events", { method: "POST", headers: type ? { "content-type": type } : {}, body });
        await expectClearAnswer(h, response, before);
        if (oversize && type.toLowerCase().startsWith("application/json")) expect(response.status).toBe(413);
      }),
      { numRuns: RUNS },
    );
  });

  test("deep nesting is refused past 100 levels (it once crashed the serializer: 500); huge strings are fine", async () => {
    const h = createHarness((db) => configFrom(relayToml(db, "http://127.0.0.1:9", { server: `max_body = "1MiB"` })));
    const statuses: number[] = [];
    for (const depth of [98, 99, 1_000, 100_000, 400_000]) {
      const nested = "[".repeat(depth) + "]".repeat(depth);
      const before = await counts(h);
      const response = await h.post("/v1/events", `{"event":"deep","data":{"x":${nested}}}`, {});
      const answer = await expectClearAnswer(h, response, before);
      statuses.push(response.status);
      if (response.status === 400) expect(answer.error!.message).toBe("the body is nested deeper than 100 levels");
    }
    expect(statuses).toEqual([202, 400, 400, 400, 400]); // the body and data are two levels, so 98 arrays make 100
    for (const path of ["/v1/events/batch", "/v1/deliveries/retry"]) {
      const response = await h.post(path, "[".repeat(5_000) + "]".repeat(5_000));
      expect(response.status).toBe(400);
    }
    const huge = await h.post("/v1/events", { event: "huge", data: { text: "€".repeat(200_000) } });
    expect(huge.status).toBe(202);
  });

  test("batches with random items are all or nothing", async () => {
    const h = harness();
    await fc.assert(
      fc.asyncProperty(fc.array(fc.oneof(fc.record({ event: fc.constant("ok"), data: fc.constant({}) }), json), { maxLength: 12 }), async (events) => {
        const before = await counts(h);
        const response = await h.post("/v1/events/batch", JSON.stringify({ events }));
        await expectClearAnswer(h, response, before);
        const added = (await counts(h)).events - before.events;
        expect(added === 0 || (response.status === 202 && added === events.length)).toBe(true);
      }),
      { numRuns: RUNS },
    );
  });
});

describe("inbound sources, fuzzed", () => {
  test("random bodies and signature headers: 401 unless correctly signed; a signed JSON object is stored verbatim", async () => {
    const h = harness();
    const sign = (text: string) => "sha256=" + createHmac("sha256", SECRET).update(text).digest("hex");
    await fc.assert(
      fc.asyncProperty(json, fc.oneof(fc.constant("valid"), fc.string({ maxLength: 80 })), async (value, signature) => {
        const text = JSON.stringify(value);
        const before = await counts(h);
        const response = await h.post("/in/s", text, { "x-sig": signature === "valid" ? sign(text) : signature.replace(/[\r\n\0]/g, "") });
        await expectClearAnswer(h, response, before);
        if (signature !== "valid") expect(response.status).toBe(401);
        if (response.status === 202) {
          const stored = (await h.select("SELECT raw_body FROM events ORDER BY id DESC LIMIT 1"))[0] as { raw_body: string };
          expect(stored.raw_body).toBe(text);
        }
      }),
      { numRuns: RUNS },
    );
  });
});

describe("the config loader, fuzzed", () => {
  test("random TOML text never throws: it loads, or every problem names a key path", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const result = parseConfigText(text, "fuzz.toml", {});
        if (!result.ok) for (const problem of result.problems) expect(problem.message.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS * 5 },
    );
  });

  test("random tables shaped like a config: wrong types and unknown keys are named, never a crash", () => {
    const section = fc.dictionary(fc.constantFrom("listen", "max_body", "path", "timeout", "max_attempts", "backoff", "jitter", "name", "url", "events", "to", "verify", "secret", "bogus"), json, { maxKeys: 5 });
    const document = fc.record(
      {
        server: section,
        storage: section,
        delivery: section,
        destinations: fc.array(section, { maxLength: 3 }),
        routes: fc.array(section, { maxLength: 3 }),
        sources: fc.array(section, { maxLength: 2 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(document, (doc) => {
        let text: string;
        try {
          text = stringify(JSON.parse(JSON.stringify(doc)));
        } catch {
          return; // not representable in TOML (null values): nothing to load
        }
        const result = parseConfigText(text, "fuzz.toml", {});
        if (!result.ok) {
          const printed = formatProblems(result.problems);
          for (const line of printed.split("\n")) expect(line).toMatch(/^[^:]+: .+/);
        }
      }),
      { numRuns: RUNS * 2 },
    );
  });
});
