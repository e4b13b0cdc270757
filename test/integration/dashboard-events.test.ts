// The dashboard's Events page and replay over the real store (the operator store serve wires
// in, on either backend): search by name, source, time and id, each event's deliveries linked,
// replay to what the routes match now or to a named one (one added by a reload, too), the
// errors a page shows, CSRF and login on the replay POST, and never a URL or secret on these pages.
import { createHmac } from "node:crypto";
import { afterEach, describe, expect, test } from "bun:test";
import { configFrom } from "../helpers/config.ts";
import { dashboardHarness, dashboardToml, follow, form, login, page, SECRET, type DashboardConfig, type Harness } from "../helpers/dashboard.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const SOURCE_SECRET = "source-secret-0123456789";
const SOURCE = `[[sources]]\nname = "evomi"\npath = "/in/evomi"\nverify = "sha256"\nheader = "X-Sig"\nsecret = "${SOURCE_SECRET}"\nevent_field = "event"\n`;
const LATER = `[[destinations]]\nname = "later"\nurl = "${"{{url}}"}/later-path-token-9931"\n`;
const harness = (options: DashboardConfig = {}) => dashboardHarness(receiver.url, options);
const rowsOf = (h: Harness, eventId: string) =>
  h.query("SELECT id, destination, status FROM deliveries WHERE event_id = ? ORDER BY id").all(eventId) as Array<{ id: string; destination: string; status: string }>;

async function published(h: Harness, event: string, data: Record<string, unknown> = {}) {
  const answer = (await (await h.post("/v1/events", { event, data })).json()) as { id: string; deliveries: Array<{ id: string }> };
  await h.tickAndSettle();
  return answer;
}

describe("the Events page", () => {
  test("lists stored events newest first and searches them by name, source and time; a bad time names the field", async () => {
    receiver = startReceiver();
    const h = harness({ extra: SOURCE });
    const completed = await published(h, "completed", { task_id: "t1" });
    h.clock.advance(60_000);
    const failed = await published(h, "failed", { task_id: "t2" });
    const body = JSON.stringify({ event: "started", data: { task_id: "t3" } });
    const signed = await h.post("/in/evomi", body, { "x-sig": "sha256=" + createHmac("sha256", SOURCE_SECRET).update(body).digest("hex") });
    expect(signed.status).toBe(202);
    const fromSource = ((await signed.json()) as { id: string }).id;
    const { cookie } = await login(h);
    expect((await page(h, "/ui", cookie)).text).toContain('href="/ui/events"');

    const listed = (path: string) => page(h, path, cookie).then((p) => [...p.text.matchAll(/<tr data-event="(evt_[0-9A-Z]{26})">/g)].map((m) => m[1]));
    expect(await listed("/ui/events")).toEqual([fromSource, failed.id, completed.id]);
    expect(await listed("/ui/events?name=completed")).toEqual([completed.id]);
    expect(await listed("/ui/events?source=evomi")).toEqual([fromSource]);
    expect(await listed("/ui/events?name=completed&source=evomi")).toEqual([]);
    expect((await page(h, "/ui/events?name=nothing-has-this", cookie)).text).toContain("No event matches these filters.");
    // Time: since 30 s ago leaves out the first event; until an instant before the second, only the first.
    expect(await listed("/ui/events?since=30s")).toEqual([fromSource, failed.id]);
    expect(await listed(`/ui/events?until=${new Date(h.clock.now() - 30_000).toISOString()}`)).toEqual([completed.id]);
    h.clock.advance(2 * 3600_000);
    expect(await listed("/ui/events?since=1h")).toEqual([]);
    const bad = await page(h, "/ui/events?since=yesterday", cookie);
    expect(bad.status).toBe(400);
    expect(bad.text).toContain("since: must be a duration back from now");
  });

  test("an exact event id opens its page, which lists its deliveries with links; a bad or unknown id says so", async () => {
    receiver = startReceiver();
    const h = harness({ extra: LATER.replace("{{url}}", "http://127.0.0.1:9") + "[[routes]]\nname = \"both\"\nevents = [\"completed\"]\nto = [\"later\"]\n" });
    const { id, deliveries } = await published(h, "completed", { task_id: "t1" });
    expect(deliveries).toHaveLength(2);
    const { cookie } = await login(h);
    const opened = await page(h, `/ui/events/find?id=${id}`, cookie);
    expect([opened.status, opened.headers.get("location")]).toEqual([303, `/ui/events/${id}`]);
    const shown = await page(h, opened.headers.get("location")!, cookie);
    expect(shown.text).toContain("Deliveries (2)");
    for (const d of deliveries) expect(shown.text).toContain(`<a href="/ui/deliveries/${d.id}">`);
    const malformed = await page(h, "/ui/events/find?id=task_abc123", cookie);
    expect(malformed.status).toBe(400);
    expect(malformed.text).toContain("id: &quot;task_abc123&quot; is not an event id");
    const unknown = await page(h, `/ui/events/find?id=evt_${"0".repeat(26)}`, cookie).then((p) => page(h, p.headers.get("location")!, cookie));
    expect(unknown.status).toBe(404);
    expect(unknown.text).toContain(`no event &quot;evt_${"0".repeat(26)}&quot;`);
  });
});

describe("replay from an event's page", () => {
  test("to what the routes match: a new delivery, shown on the page, that the receiver gets", async () => {
    receiver = startReceiver();
    const h = harness();
    const { id, deliveries } = await published(h, "completed", { task_id: "t1" });
    h.clock.advance(1_000);
    const { cookie, csrf } = await login(h);
    expect((await page(h, `/ui/events/${id}`, cookie)).text).toContain('action="/ui/events/' + id + '/replay"');
    const answer = await form(h, `/ui/events/${id}/replay`, { _csrf: csrf, destination: "" }, cookie);
    expect([answer.status, answer.headers.get("location")]).toEqual([303, `/ui/events/${id}`]);
    const rows = rowsOf(h, id);
    expect(rows.map((r) => [r.destination, r.status])).toEqual([["recv", "succeeded"], ["recv", "pending"]]);
    const shown = (await follow(h, answer, cookie)).text;
    expect(shown).toContain("replayed: 1 new delivery (recv)");
    expect(shown).toContain(`<a href="/ui/deliveries/${rows[1]!.id}">`);
    await h.tickAndSettle();
    expect(receiver.requests.map((r) => r.headers["x-herald-delivery"])).toEqual([deliveries[0]!.id, rows[1]!.id]);
    expect(receiver.requests[1]!.body).toBe(receiver.requests[0]!.body);
  });

  test("to a destination added by a reload after the event came; an unknown one is named on the page", async () => {
    receiver = startReceiver();
    const h = harness();
    const { id } = await published(h, "completed", { task_id: "t1" });
    h.clock.advance(1_000);
    h.setConfig(configFrom(dashboardToml(h.dbPath, receiver.url, { extra: LATER.replace("{{url}}", receiver.url) })));
    const { cookie, csrf } = await login(h);
    expect((await page(h, `/ui/events/${id}`, cookie)).text).toContain('<option value="later">later</option>');
    const answer = await form(h, `/ui/events/${id}/replay`, { _csrf: csrf, destination: "later" }, cookie);
    expect((await follow(h, answer, cookie)).text).toContain("replayed: 1 new delivery (later)");
    await h.tickAndSettle();
    expect(rowsOf(h, id).map((r) => [r.destination, r.status])).toEqual([["recv", "succeeded"], ["later", "succeeded"]]);
    expect(receiver.requests.map((r) => r.path)).toEqual(["/hook", "/later-path-token-9931"]);

    const unknown = await form(h, `/ui/events/${id}/replay`, { _csrf: csrf, destination: "nope" }, cookie);
    expect(unknown.status).toBe(303);
    expect((await follow(h, unknown, cookie)).text).toContain("not replayed: unknown destination &quot;nope&quot;; the config has &quot;later&quot;, &quot;recv&quot;");
    expect(rowsOf(h, id)).toHaveLength(2);
    // An event no longer stored (pruned) is said so too.
    const gone = await form(h, `/ui/events/evt_${"0".repeat(26)}/replay`, { _csrf: csrf, destination: "later" }, cookie);
    expect((await page(h, "/ui/events", `${cookie}; ${gone.headers.get("set-cookie")!.split(";")[0]}`)).text).toContain("not replayed: the event is no longer stored");
  });

  test("without a destination, to what the routes match now, as the API does; none is said so", async () => {
    receiver = startReceiver();
    const h = harness();
    const { id } = await published(h, "completed", { task_id: "t1" });
    const inline = (await (await h.post("/v1/events", { event: "inline-only", data: {}, webhook: { url: `${receiver.url}/inline`, events: ["inline-only"] } })).json()) as { id: string };
    await h.tickAndSettle();
    h.clock.advance(1_000);
    // The reload routes "completed" to "later" as well, and "inline-only" (it went to recv and an inline webhook) nowhere.
    const routes = `[[routes]]\nname = "more"\nevents = ["completed"]\nto = ["later"]\n`;
    h.setConfig(configFrom(dashboardToml(h.dbPath, receiver.url, { extra: LATER.replace("{{url}}", receiver.url) + routes }).replace('events = ["*"]', 'events = ["completed"]')));
    const { cookie, csrf } = await login(h);
    const answer = await form(h, `/ui/events/${id}/replay`, { _csrf: csrf, destination: "" }, cookie);
    expect((await follow(h, answer, cookie)).text).toContain("replayed: 2 new deliveries (");
    expect(rowsOf(h, id).map((r) => r.destination).sort()).toEqual(["later", "recv", "recv"]);
    const none = await form(h, `/ui/events/${inline.id}/replay`, { _csrf: csrf, destination: "" }, cookie);
    expect((await follow(h, none, cookie)).text).toContain("not replayed: no route takes this event now; pick a destination");
    const inlineName = rowsOf(h, inline.id).find((r) => r.destination.startsWith("inline:"))!.destination;
    const named = await form(h, `/ui/events/${inline.id}/replay`, { _csrf: csrf, destination: inlineName }, cookie);
    expect((await follow(h, named, cookie)).text).toContain("is a producer&#39;s inline webhook; retry its delivery instead");
    expect(rowsOf(h, inline.id)).toHaveLength(2);
  });

  test("needs the session and its CSRF token, from the dashboard's origin; a refused POST adds nothing", async () => {
    receiver = startReceiver();
    const h = harness();
    const { id } = await published(h, "completed");
    const { cookie, csrf } = await login(h);
    const anonymous = await form(h, `/ui/events/${id}/replay`, { _csrf: csrf });
    expect([anonymous.status, anonymous.headers.get("location")]).toEqual([303, "/ui/login"]);
    const noToken = await form(h, `/ui/events/${id}/replay`, {}, cookie);
    expect(noToken.status).toBe(403);
    expect(noToken.text).toContain("CSRF token is missing or out of date");
    expect((await form(h, `/ui/events/${id}/replay`, { _csrf: csrf }, cookie, "https://evil.example")).status).toBe(403);
    expect(rowsOf(h, id)).toHaveLength(1);
  });
});

test("the Events page and an event's page never show a URL or a secret", async () => {
  receiver = startReceiver();
  const h = harness({ extra: LATER.replace("{{url}}", "http://127.0.0.1:9") });
  const { id } = await published(h, "completed", { task_id: "t1" });
  const inline = (await (await h.post("/v1/events", { event: "completed", data: {}, webhook: { url: `${receiver.url}/path-token-4711?key=query-token-99`, events: ["completed"], secret: "inline-secret-0123" } })).json()) as { id: string };
  await h.tickAndSettle();
  const { cookie, csrf } = await login(h);
  await form(h, `/ui/events/${inline.id}/replay`, { _csrf: csrf, destination: "" }, cookie);
  for (const path of ["/ui/events", `/ui/events/${id}`, `/ui/events/${inline.id}`]) {
    const text = (await page(h, path, cookie)).text;
    const leaked = ["path-token-4711", "query-token-99", "later-path-token-9931", SECRET, "inline-secret-0123", "hdr-credential-42", receiver.url].filter((s) => text.includes(s));
    expect({ path, leaked }).toEqual({ path, leaked: [] });
  }
});
