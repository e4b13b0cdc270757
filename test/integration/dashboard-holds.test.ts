// Pause and Resume on the dashboard over the real store and scheduler: the state each page
// shows (as GET /v1/destinations gives it), deliveries that wait while paused and go on
// resume, the config's own pause refused as the API refuses it, and the forms' guards.
import { afterEach, describe, expect, test } from "bun:test";
import { dashboardHarness, follow, form, login, page, type DashboardConfig, type Harness } from "../helpers/dashboard.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const harness = (options: DashboardConfig = {}) => dashboardHarness(receiver.url, options);

/** The state cell of a destination's row on a page. */
const stateOf = (text: string, name: string) => {
  const row = new RegExp(`<tr data-destination="${name}">(.*?)</tr>`, "s").exec(text)?.[1] ?? "";
  return /data-state="(\w+)"><span class="status \w+">([^<]+)<\/span>(?:<span class="muted">([^<]*)<\/span>)?/.exec(row)?.slice(1);
};

async function publish(h: Harness): Promise<string> {
  const response = await h.post("/v1/events", { event: "completed", data: { task_id: "t1" } });
  return ((await response.json()) as { deliveries: Array<{ id: string }> }).deliveries[0]!.id;
}

describe("pause and resume from the destinations page", () => {
  test("pause holds a published delivery pending, unsent; resume delivers it", async () => {
    receiver = startReceiver();
    const h = harness();
    const { cookie, csrf } = await login(h);
    // The scheduler has read the holds (none); with no clock move below, only the forms' word makes it read them again.
    await h.tickAndSettle();
    expect(stateOf((await page(h, "/ui/destinations", cookie)).text, "recv")?.slice(0, 2)).toEqual(["active", "active"]);
    expect((await page(h, "/ui/destinations", cookie)).text).toContain('action="/ui/destinations/recv/pause"');

    const paused = await form(h, "/ui/destinations/recv/pause", { _csrf: csrf, back: "/ui/destinations" }, cookie);
    expect([paused.status, paused.headers.get("location")]).toEqual([303, "/ui/destinations"]);
    const after = await follow(h, paused, cookie);
    expect(after.text).toContain("paused recv: its deliveries wait");
    const since = new Date(h.clock.now()).toISOString().slice(0, 19).replace("T", " ");
    expect(stateOf(after.text, "recv")).toEqual(["paused", "paused by operator", ` paused by an operator since ${since}Z`]);
    expect(after.text).toContain('action="/ui/destinations/recv/resume"');
    expect(stateOf((await page(h, "/ui", cookie)).text, "recv")?.[1]).toBe("paused by operator");

    // Published at once, before any tick has read the holds back: not handed off at commit.
    const id = await publish(h);
    await h.tickAndSettle();
    expect(h.deliveryRow(id).status).toBe("pending");
    expect(receiver.requests).toHaveLength(0);

    const resumed = await form(h, "/ui/destinations/recv/resume", { _csrf: csrf, back: "/ui" }, cookie);
    expect([resumed.status, resumed.headers.get("location")]).toEqual([303, "/ui"]);
    const overview = await follow(h, resumed, cookie);
    expect(overview.text).toContain("resumed recv");
    expect(stateOf(overview.text, "recv")?.slice(0, 2)).toEqual(["active", "active"]);
    await h.tickAndSettle();
    expect(h.deliveryRow(id).status).toBe("succeeded");
    expect(receiver.requests).toHaveLength(1);
    expect(h.logs.filter((l) => l.via === "dashboard").map((l) => l.msg)).toEqual(["destination.paused", "destination.resumed"]);
  });

  test("a destination paused by the config shows so, and its resume is refused with the API's 409 text", async () => {
    receiver = startReceiver();
    const h = harness({ destination: "paused = true\n" });
    const { cookie, csrf } = await login(h);
    expect(stateOf((await page(h, "/ui/destinations", cookie)).text, "recv")).toEqual(["paused", "paused by config", " paused = true in the config"]);
    const refused = await follow(h, await form(h, "/ui/destinations/recv/resume", { _csrf: csrf }, cookie), cookie);
    expect(refused.text).toContain('refused (409): destination &quot;recv&quot; is paused by paused = true in the config; remove that key and reload (SIGHUP) to resume it');
    expect(stateOf(refused.text, "recv")?.[1]).toBe("paused by config");
  });

  test("a destination the platform said is gone shows disabled with its reason; an unknown name is refused", async () => {
    receiver = startReceiver();
    const h = harness();
    await h.operator.hold({ destination: "recv", by: "gone", reason: "HTTP 404: Discord error 10015 (Unknown Webhook)", since: h.clock.now() });
    const { cookie, csrf } = await login(h);
    for (const path of ["/ui", "/ui/destinations"]) {
      const shown = stateOf((await page(h, path, cookie)).text, "recv");
      expect({ path, shown: shown?.slice(0, 2), reason: shown?.[2]?.startsWith(" HTTP 404: Discord error 10015 (Unknown Webhook) since ") }).toEqual({ path, shown: ["disabled", "disabled: gone"], reason: true });
    }
    const unknown = await follow(h, await form(h, "/ui/destinations/nope/pause", { _csrf: csrf }, cookie), cookie);
    expect(unknown.text).toContain("refused (404)");
  });
});

describe("the forms' guards", () => {
  test("without the CSRF token, from another origin or without a session, pause and resume change nothing", async () => {
    receiver = startReceiver();
    const h = harness();
    const { cookie, csrf } = await login(h);
    for (const action of ["pause", "resume"]) {
      const missing = await form(h, `/ui/destinations/recv/${action}`, {}, cookie);
      expect([missing.status, missing.text.includes("CSRF token is missing or out of date")]).toEqual([403, true]);
      expect((await form(h, `/ui/destinations/recv/${action}`, { _csrf: csrf }, cookie, "https://evil.example")).status).toBe(403);
      const anonymous = await form(h, `/ui/destinations/recv/${action}`, { _csrf: csrf });
      expect([anonymous.status, anonymous.headers.get("location")]).toEqual([303, "/ui/login"]);
    }
    expect(await h.operator.listHolds()).toEqual([]);
  });
});
