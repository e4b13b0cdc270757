// The dashboard at /ui through the real ingress and scheduler: login and its cookie, CSRF,
// the security headers, what the pages show (and never show: URLs, secrets), and the actions.
import { createHash } from "node:crypto";
import { afterEach, describe, expect, test } from "bun:test";
import { StorageFault } from "../../src/outbox/errors.ts";
import { configFrom, relayToml } from "../helpers/config.ts";
import { ADMIN_TOKEN, dashboardHarness, follow, form, login, page, SECRET, type DashboardConfig, type Harness } from "../helpers/dashboard.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const harness = (options: DashboardConfig = {}) => dashboardHarness(receiver.url, options);

async function failedDelivery(h: Harness): Promise<string> {
  const response = await h.post("/v1/events", { event: "completed", data: { task_id: "t1" } });
  const id = ((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
  await h.tickAndSettle();
  return id;
}

describe("access", () => {
  test("off by default: /ui is not there", async () => {
    receiver = startReceiver();
    const h = harness({ enabled: false });
    expect((await page(h, "/ui")).status).toBe(404);
  });

  test("a source cannot take the dashboard's path", () => {
    expect(() => configFrom(`[[sources]]\nname = "s"\npath = "/ui/hook"\nverify = "sha256"\nheader = "X-Sig"\nsecret = "s3cr3t-s3cr3t"\nevent_field = "event"\n`)).toThrow(
      'sources[0].path: "/ui/hook" is one of Herald\'s own paths',
    );
  });

  test("without the cookie a page sends the browser to the login form; a wrong token is refused there", async () => {
    receiver = startReceiver();
    const h = harness();
    const first = await page(h, "/ui/deliveries");
    expect([first.status, first.headers.get("location")]).toEqual([303, "/ui/login"]);
    expect((await page(h, "/ui/login")).text).toContain('name="token"');
    const wrong = await form(h, "/ui/login", { token: "not-the-token-at-all" });
    expect(wrong.status).toBe(401);
    expect(wrong.text).toContain("That is not one of the admin tokens");
    expect(wrong.headers.get("set-cookie")).toBeNull();
  });

  test("logging in sets a signed HttpOnly SameSite=Strict cookie with an expiry; logging out clears it", async () => {
    receiver = startReceiver();
    const h = harness();
    const answer = await form(h, "/ui/login", { token: ADMIN_TOKEN });
    const setCookie = answer.headers.get("set-cookie")!;
    expect(setCookie).toMatch(/^herald_session=[^;]+; Path=\/ui; Expires=[^;]+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(ADMIN_TOKEN);
    // The token's tag is keyed: the unkeyed digest someone could test guesses against is not in it.
    const unkeyed = createHash("sha256").update(`herald-dashboard:${ADMIN_TOKEN}`).digest("hex").slice(0, 16);
    expect(decodeURIComponent(setCookie)).toMatch(/^herald_session=\d+\.[\w-]+\.[0-9a-f]{16}\./);
    expect(setCookie).not.toContain(unkeyed);
    const { cookie, csrf } = await login(h);
    expect((await page(h, "/ui", cookie)).status).toBe(200);
    // A forged cookie (the value changed, the signature kept) is no session.
    expect((await page(h, "/ui", cookie.replace(/=(\d)/, (_, d) => `=${(Number(d) + 1) % 10}`))).status).toBe(303);
    const out = await form(h, "/ui/logout", { _csrf: csrf }, cookie);
    expect([out.status, out.headers.get("location")]).toEqual([303, "/ui/login"]);
    expect(out.headers.get("set-cookie")).toContain("herald_session=; Max-Age=0");
  });

  test("a session ends once its token is removed from the config (SIGHUP)", async () => {
    receiver = startReceiver();
    const h = harness();
    const { cookie } = await login(h);
    h.setConfig(configFrom(relayToml(h.dbPath, receiver.url, { extra: `[auth]\nadmin_tokens = ["another-token-0123456789"]\n[dashboard]\nenabled = true\n` })));
    expect((await page(h, "/ui", cookie)).status).toBe(303);
  });

  test("without admin tokens on loopback the pages are open, as the admin API is", async () => {
    receiver = startReceiver();
    const h = harness({ tokens: false });
    const overview = await page(h, "/ui");
    expect(overview.status).toBe(200);
    expect(overview.text).not.toContain("Log out");
  });

  test("every page has a strict CSP, no framing and no referrer", async () => {
    receiver = startReceiver();
    const h = harness();
    const { headers } = await page(h, "/ui/login");
    expect(headers.get("content-security-policy")).toContain("default-src 'self'");
    expect(headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(headers.get("content-security-policy")).not.toContain("unsafe-inline");
    expect(headers.get("x-frame-options")).toBe("DENY");
    expect(headers.get("referrer-policy")).toBe("no-referrer");
  });

  test("a POST without the session's CSRF token, or from another origin, is refused and changes nothing", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const id = await failedDelivery(h);
    const { cookie, csrf } = await login(h);
    const missing = await form(h, `/ui/deliveries/${id}/retry`, {}, cookie);
    expect(missing.status).toBe(403);
    expect(missing.text).toContain("CSRF token is missing or out of date");
    expect((await form(h, `/ui/deliveries/${id}/retry`, { _csrf: csrf }, cookie, "https://evil.example")).status).toBe(403);
    expect(h.deliveryRow(id).status).toBe("failed");
  });
});

describe("pages", () => {
  test("a failed delivery is listed, its page shows the attempt and answer, the headers without signature or credentials, and no URL or secret", async () => {
    receiver = startReceiver(() => new Response("receiver says no", { status: 500 }));
    const h = harness();
    const id = await failedDelivery(h);
    await h.post("/v1/events", { event: "completed", data: {}, webhook: { url: `${receiver.url}/path-token-4711`, events: ["completed"] } });
    await h.tickAndSettle();
    const { cookie } = await login(h);
    const list = await page(h, "/ui/deliveries?status=failed", cookie);
    expect(list.text).toContain(`href="/ui/deliveries/${id}"`);
    const detail = await page(h, `/ui/deliveries/${id}`, cookie);
    expect(detail.text).toContain("receiver says no");
    expect(detail.text).toContain("HTTP 500");
    expect(detail.text).toContain("&quot;task_id&quot;: &quot;t1&quot;");
    expect(detail.text).toContain("<td class=\"mono\">X-Herald-Delivery</td><td class=\"mono\">" + id);
    expect(detail.text).toContain("<td class=\"mono\">X-Herald-Signature</td><td class=\"mono\">[redacted]");
    expect(detail.text).toContain("<td class=\"mono\">Authorization</td><td class=\"mono\">[redacted]");
    for (const path of ["/ui", "/ui/deliveries", `/ui/deliveries/${id}`, "/ui/destinations", "/ui/sources"]) {
      const text = (await page(h, path, cookie)).text;
      expect({ path, url: text.includes("path-token-4711"), secret: text.includes(SECRET), header: text.includes("hdr-credential-42") }).toEqual({ path, url: false, secret: false, header: false });
    }
    // Configured URLs as herald check shows them (scheme, host, a harmless first segment); inline ones by their name.
    expect((await page(h, "/ui/destinations", cookie)).text).toContain(`<td class="mono">${receiver.url}/hook</td>`);
    expect((await page(h, "/ui", cookie)).text).toContain("inline (1)");
  });

  test("an event's page shows its data and its deliveries, linked from each delivery's page", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const id = await failedDelivery(h);
    const eventId = h.query("SELECT event_id AS e FROM deliveries WHERE id = ?").get(id) as { e: string };
    const { cookie } = await login(h);
    expect((await page(h, `/ui/deliveries/${id}`, cookie)).text).toContain(`href="/ui/events/${eventId.e}"`);
    const shown = await page(h, `/ui/events/${eventId.e}`, cookie);
    expect(shown.text).toContain(`<tr data-delivery="${id}">`);
    expect(shown.text).toContain("&quot;task_id&quot;: &quot;t1&quot;");
    expect((await page(h, "/ui/events/evt_nope", cookie)).status).toBe(404);
  });

  test("retry from the page puts the delivery back to pending and says so once", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const id = await failedDelivery(h);
    const { cookie, csrf } = await login(h);
    const answer = await form(h, `/ui/deliveries/${id}/retry`, { _csrf: csrf }, cookie);
    expect([answer.status, answer.headers.get("location")]).toEqual([303, `/ui/deliveries/${id}`]);
    expect(h.deliveryRow(id).status).toBe("pending");
    const flash = answer.headers.get("set-cookie")!.split(";")[0]!;
    const shown = await page(h, `/ui/deliveries/${id}`, `${cookie}; ${flash}`);
    expect(shown.text).toContain("retried: back to pending");
  });

  test("retry all shown and cancel all shown act on the listed ids; a back URL off the dashboard is not followed", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const a = await failedDelivery(h);
    const b = await failedDelivery(h);
    const { cookie, csrf } = await login(h);
    const retried = await form(h, "/ui/deliveries/retry", { _csrf: csrf, id: [a, b], back: "https://evil.example/" }, cookie);
    expect([retried.status, retried.headers.get("location")]).toEqual([303, "/ui/deliveries"]);
    expect([h.deliveryRow(a).status, h.deliveryRow(b).status]).toEqual(["pending", "pending"]);
    const cancelled = await form(h, "/ui/deliveries/cancel", { _csrf: csrf, id: [a, b], back: "/ui/deliveries?status=pending" }, cookie);
    expect(cancelled.headers.get("location")).toBe("/ui/deliveries?status=pending");
    expect([h.deliveryRow(a).status, h.deliveryRow(b).status]).toEqual(["cancelled", "cancelled"]);
  });

  test("an id Herald never makes (NUL, non-ASCII) is an unknown delivery or event, never a 500", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const good = await failedDelivery(h);
    const { cookie, csrf } = await login(h);
    for (const odd of ["%00", "%C3%A9"]) {
      expect((await page(h, `/ui/deliveries/dlv_${odd}`, cookie)).status).toBe(404);
      expect((await page(h, `/ui/events/evt_${odd}`, cookie)).status).toBe(404);
      const retried = await form(h, `/ui/deliveries/dlv_${odd}/retry`, { _csrf: csrf }, cookie);
      expect([retried.status, retried.headers.get("location")]).toEqual([303, `/ui/deliveries/dlv_${odd}`]);
      const shown = await follow(h, retried, cookie);
      expect([shown.status, shown.text.includes("no delivery &quot;dlv_")]).toEqual([404, true]);
      const replayed = await form(h, `/ui/events/evt_${odd}/replay`, { _csrf: csrf }, cookie);
      expect([replayed.status, replayed.headers.get("location")]).toEqual([303, `/ui/events/evt_${odd}`]);
    }
    // Among real ones an odd id is skipped as unknown and the real one is still acted on.
    const both = await form(h, "/ui/deliveries/retry", { _csrf: csrf, id: ["dlv_\u0000", good] }, cookie);
    expect(both.status).toBe(303);
    expect(h.deliveryRow(good).status).toBe("pending");
    expect((await follow(h, both, cookie)).text).toContain("unknown delivery");
  });

  test("a database that cannot answer is a 503 page that says so and asks to wait; the pages answer once it is back", async () => {
    receiver = startReceiver(statusSequence(500));
    let down = true;
    const unless = <T extends unknown[], R>(real: (...args: T) => Promise<R>) => (...args: T) => (down ? Promise.reject(new StorageFault("unavailable", "PostgreSQL is unavailable")) : real(...args));
    const h = dashboardHarness(receiver.url, {}, { wrapOperator: (operator) => ({ ...operator, listEvents: unless(operator.listEvents), retry: unless(operator.retry) }) });
    const id = await failedDelivery(h);
    const { cookie, csrf } = await login(h);
    const read = await page(h, "/ui/events", cookie);
    expect([read.status, read.headers.get("retry-after"), read.headers.get("content-type")]).toEqual([503, "2", "text/html; charset=UTF-8"]);
    expect(read.text).toContain("the database cannot be read right now; try again");
    const write = await form(h, `/ui/deliveries/${id}/retry`, { _csrf: csrf }, cookie);
    expect([write.status, write.text.includes("the database cannot take writes right now; nothing was stored, try again")]).toEqual([503, true]);
    expect(h.deliveryRow(id).status).toBe("failed");
    down = false;
    expect((await page(h, "/ui/events", cookie)).status).toBe(200);
  });

  test("filters by status and time range; a bad time names the field", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    const id = await failedDelivery(h);
    const { cookie } = await login(h);
    expect((await page(h, "/ui/deliveries?status=succeeded", cookie)).text).not.toContain(id);
    expect((await page(h, "/ui/deliveries?since=1h", cookie)).text).toContain(id);
    const created = new Date(h.clock.now()).toISOString();
    expect((await page(h, `/ui/deliveries?until=${created.replace("Z", "").slice(0, 19)}Z`, cookie)).text).not.toContain(id);
    h.clock.advance(2 * 3600_000);
    expect((await page(h, "/ui/deliveries?since=1h", cookie)).text).not.toContain(id);
    const bad = await page(h, "/ui/deliveries?since=yesterday", cookie);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("since: must be a duration back from now");
  });

  test("the overview counts are read at most every 5 s; failures show per destination", async () => {
    receiver = startReceiver(statusSequence(500));
    const h = harness();
    await failedDelivery(h);
    const { cookie } = await login(h);
    const card = (text: string, label: string) => new RegExp(`data-card="${label}">(\\d+)<`).exec(text)?.[1];
    const first = (await page(h, "/ui", cookie)).text;
    expect(card(first, "Failed \\(24 h\\)")).toBe("1");
    expect(first).toContain("failing (1 in a row)");
    expect(first).toContain("HTTP 500");
    await failedDelivery(h);
    expect(card((await page(h, "/ui", cookie)).text, "Failed \\(24 h\\)")).toBe("1");
    h.clock.advance(5_000);
    expect(card((await page(h, "/ui", cookie)).text, "Failed \\(24 h\\)")).toBe("2");
  });

  test("send a test runs herald test's request and shows the answer", async () => {
    receiver = startReceiver(() => new Response("test ok", { status: 200 }));
    const h = harness();
    const { cookie, csrf } = await login(h);
    const answer = await form(h, "/ui/destinations/recv/test", { _csrf: csrf, event: "failed" }, cookie);
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('data-test-result="delivered"');
    expect(answer.text).toContain("test ok");
    expect(receiver.requests[0]!.headers["x-herald-event"]).toBe("failed");
    const unknown = await form(h, "/ui/destinations/nope/test", { _csrf: csrf }, cookie);
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain("unknown destination &quot;nope&quot;");
  });

  test("the sources page lists the requests a source refused, and why", async () => {
    receiver = startReceiver();
    const h = harness({ extra: `[[sources]]\nname = "evomi"\npath = "/in/evomi"\nverify = "sha256"\nheader = "X-Sig"\nsecret = "source-secret-0123"\nevent_field = "event"\n` });
    const refused = await h.post("/in/evomi", { event: "completed" }, { "x-sig": "sha256=00" });
    expect(refused.status).toBe(401);
    const { cookie } = await login(h);
    const text = (await page(h, "/ui/sources", cookie)).text;
    expect(text).toContain("<td>evomi</td><td>401</td>");
    expect(text).not.toContain("source-secret-0123");
  });

  test("a source filter searches a bounded number of deliveries a page, and says where it stopped; an event name is found through its events", async () => {
    receiver = startReceiver();
    const h = harness();
    // Rows written straight into the database, as a busy daemon would have left them, in SQL
    // both backends take. Ids sort like Herald's: 26 digits, 1 to 20,010 offset by 10,000.
    const rows = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20010)";
    const id = (prefix: string) => `'${prefix}_${"0".repeat(21)}' || (i + 10000)`;
    await h.execute(`${rows} INSERT INTO events (id, name, timestamp, data, received_at) SELECT ${id("evt")}, CASE i WHEN 3 THEN 'failed' ELSE 'completed' END, '2026-03-09T12:00:00.000Z', '{}', 0 FROM n`);
    await h.execute(
      `${rows} INSERT INTO deliveries (id, event_id, destination, status, attempts, failed_attempts, next_attempt_at, expires_at, created_at, updated_at, finished_at)
       SELECT ${id("dlv")}, ${id("evt")}, 'recv', 'succeeded', 1, 0, 0, 0, 0, 0, 0 FROM n`,
    );
    const { cookie } = await login(h);
    const first = (await page(h, "/ui/deliveries?source=evomi", cookie)).text;
    expect(first).toContain("searched the newest 20,000 deliveries");
    const older = /href="(\/ui\/deliveries\?source=evomi&amp;cursor=dlv_[0-9A-Z]{26})"/.exec(first)![1]!.replace("&amp;", "&");
    const second = (await page(h, older, cookie)).text;
    expect(second).toContain("No delivery matches these filters.");
    expect(second).not.toContain("searched the newest");
    // The one "failed" event lies behind 20,000 newer deliveries: its name finds it at once.
    const named = (await page(h, "/ui/deliveries?event=failed", cookie)).text;
    expect(named).toContain(`<tr data-delivery="dlv_${"10003".padStart(26, "0")}">`);
    expect(named).not.toContain("searched the newest");
    const nothing = (await page(h, "/ui/deliveries?event=no-such-event", cookie)).text;
    expect(nothing).toContain("No delivery matches these filters.");
    expect(nothing).not.toContain("searched the newest");
  });
});
