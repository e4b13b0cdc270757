// The dashboard in a real browser: headless Chromium (the Debian package, /usr/bin/chromium)
// driven by playwright-core, against the real `herald serve` (the compiled binary when
// HERALD_BIN is set), a real receiver on port 0 and the real database. It logs in, finds a
// failed delivery, retries it and watches the page refresh itself to "succeeded", filters,
// searches the events, replays one to a named destination, sends a test and logs out. Any console error, page error or failed request fails it. It saves the
// README's screenshots to docs/img/.
// Bun only (`npm run test:browser`): it drives a browser, not Herald's runtime seams, which the
// Deno half of `npm test` already covers; playwright-core's Node APIs run under Bun.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { eventually, publish, ROOT, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const CHROMIUM = process.env.HERALD_CHROMIUM ?? "/usr/bin/chromium";
const TOKEN = "browser-admin-token-0123456789";
const SHOTS = join(ROOT, "docs/img");

let receiver: Receiver;
let daemon: Daemon;
let browser: Browser;
let problems: string[] = [];
let flakyAnswered = 0;

beforeAll(async () => {
  // "flaky" fails its first request and takes the next ones: a failed delivery that a retry fixes.
  receiver = startReceiver((request) => {
    if (request.path === "/flaky" && flakyAnswered++ === 0) return new Response("upstream exploded", { status: 500 });
    return new Response("ok");
  });
  const { path } = writeConfig(`
[server]
listen = "127.0.0.1:0"
[storage]
path = "{{db}}"
[auth]
admin_tokens = ["${TOKEN}"]
[security]
allow_http = true
allow_private_networks = true
[dashboard]
enabled = true
[[destinations]]
name = "billing"
type = "custom"
url = "${receiver.url}/flaky"
secret = "billing-secret-0123456789"
max_attempts = 1
[[destinations]]
name = "warehouse"
type = "custom"
url = "${receiver.url}/fine"
[[routes]]
name = "all"
events = ["*"]
to = ["billing", "warehouse"]
`);
  daemon = await startDaemon(path);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"], headless: true });
});

afterAll(async () => {
  await browser?.close();
  daemon?.signal("SIGTERM");
  await daemon?.exited;
  receiver?.stop();
});

async function newPage(): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 760 } });
  const page = await context.newPage();
  problems = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  // ERR_ABORTED is the browser dropping a request because the page moved on (the favicon is
  // fetched after "load", so a quick next step cancels it): not Herald's failure. Refused,
  // reset or blocked requests have their own codes and still count.
  page.on("requestfailed", (request) => {
    if (request.failure()?.errorText !== "net::ERR_ABORTED") problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  return page;
}

const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
};

test("log in, find the failed delivery, retry it and watch it succeed, filter, replay an event, send a test, pause and resume, log out", async () => {
  const published = await publish(daemon, { event: "completed", data: { task_id: "task_abc123", task_type: "scrape", status: "success", credits_used: 5 } });
  expect(published.status).toBe(202);
  const failedId = published.body.deliveries.find((d) => d.destination === "billing")!.id;
  await eventually(() => flakyAnswered >= 1 && receiver.requests.some((r) => r.path === "/fine"), 10_000, "both first attempts");

  const page = await newPage();
  // Without the cookie, the dashboard sends the browser to the login form.
  await page.goto(`${daemon.url}/ui/deliveries`);
  expect(new URL(page.url()).pathname).toBe("/ui/login");
  await page.fill("#token", TOKEN);
  await page.click("button[type=submit]");
  await page.waitForURL(`${daemon.url}/ui`);
  await page.locator('[data-card="Failed (24 h)"]', { hasText: "1" }).waitFor();
  await page.locator('tr[data-destination="billing"]', { hasText: "failing" }).waitFor();
  await shot(page, "overview");

  // Filter by status through the form: the URL carries the view.
  await page.goto(`${daemon.url}/ui/deliveries`);
  await page.selectOption('select[name="status"]', "failed");
  await page.click("form.filters button[type=submit]");
  await page.waitForURL(/status=failed/);
  expect(await page.locator("tr[data-delivery]").count()).toBe(1);
  await shot(page, "deliveries");

  // Open it: the attempt and the receiver's answer; the signature redacted.
  await page.click(`a[href="/ui/deliveries/${failedId}"]`);
  await page.waitForURL(`${daemon.url}/ui/deliveries/${failedId}`);
  await page.getByText("upstream exploded").first().waitFor();
  expect(await page.locator("h1 .status").textContent()).toBe("failed");
  expect(await page.content()).toContain("[redacted]");
  expect(await page.content()).not.toContain("billing-secret-0123456789");
  await shot(page, "delivery");

  // Retry: the page says so, and refreshes itself (htmx, every 5 s) until the state has changed.
  await page.click("button:has-text('Retry')");
  await page.getByText("retried: back to pending").waitFor();
  await page.locator("h1 .status", { hasText: "succeeded" }).waitFor({ timeout: 15_000 });

  // A POST without the CSRF token is refused, even with the session's cookie.
  const cookies = await page.context().cookies();
  const cookie = cookies.map((c) => `${c.name}=${c.value}`).join("; ");
  const forged = await fetch(`${daemon.url}/ui/deliveries/${failedId}/cancel`, { method: "POST", headers: { cookie, origin: daemon.url, "content-type": "application/x-www-form-urlencoded" }, body: "", redirect: "manual" });
  expect(forged.status).toBe(403);

  // Filter by time: everything is from the last hour; nothing is older than 2000.
  await page.goto(`${daemon.url}/ui/deliveries`);
  await page.fill('input[name="since"]', "1h");
  await page.click("form.filters button[type=submit]");
  await page.waitForURL(/since=1h/);
  expect(await page.locator("tr[data-delivery]").count()).toBe(2);
  await page.fill('input[name="since"]', "");
  await page.fill('input[name="until"]', "2000-01-01T00:00Z");
  await page.click("form.filters button[type=submit]");
  await page.waitForURL(/until=2000/);
  await page.getByText("No delivery matches these filters.").waitFor();

  // Events: search by name and time, open one by its id, replay it to one named destination
  // and see the new delivery appear on its page.
  const other = await publish(daemon, { event: "failed", data: { task_id: "task_def456", status: "error" } });
  expect(other.status).toBe(202);
  await page.click('header a[href="/ui/events"]');
  await page.waitForURL(`${daemon.url}/ui/events`);
  expect(await page.locator("tr[data-event]").count()).toBe(2);
  const search = page.locator('form[action="/ui/events"]');
  await search.locator('input[name="name"]').fill("completed");
  await search.locator('input[name="since"]').fill("1h");
  await search.locator("button[type=submit]").click();
  await page.waitForURL(/name=completed&.*since=1h/);
  expect(await page.locator("tr[data-event]").count()).toBe(1);
  await page.locator(`tr[data-event="${published.body.id}"]`).waitFor();
  await shot(page, "events");
  await search.locator('input[name="since"]').fill("");
  await search.locator('input[name="until"]').fill("2000-01-01T00:00Z");
  await search.locator("button[type=submit]").click();
  await page.waitForURL(/until=2000/);
  await page.getByText("No event matches these filters.").waitFor();

  await page.fill('form[action="/ui/events/find"] input[name="id"]', published.body.id);
  await page.click('form[action="/ui/events/find"] button[type=submit]');
  await page.waitForURL(`${daemon.url}/ui/events/${published.body.id}`);
  expect(await page.locator("tr[data-delivery]").count()).toBe(2);
  await page.selectOption('select[name="destination"]', "warehouse");
  await page.click("button:has-text('Replay')");
  await page.getByText("replayed: 1 new delivery (warehouse)").waitFor();
  expect(await page.locator("tr[data-delivery]").count()).toBe(3);
  await eventually(() => receiver.requests.filter((r) => r.path === "/fine").length >= 3, 10_000, "the replayed delivery");
  await page.locator('tr[data-delivery]:has-text("warehouse"):has-text("succeeded")').nth(1).waitFor({ timeout: 15_000 });

  // Send a test to a destination and see the answer.
  await page.goto(`${daemon.url}/ui/destinations`);
  await page.click('tr[data-destination="warehouse"] button:has-text("Send test")');
  await page.locator('[data-test-result="delivered"]').waitFor();
  await shot(page, "destinations");

  // Pause a destination and resume it: the row says which, and the button turns.
  await page.click('tr[data-destination="warehouse"] button:has-text("Pause")');
  await page.getByText("paused warehouse").waitFor();
  await page.locator('tr[data-destination="warehouse"] [data-state="paused"]', { hasText: "paused by operator" }).waitFor();
  await page.click('tr[data-destination="warehouse"] button:has-text("Resume")');
  await page.getByText("resumed warehouse").waitFor();
  await page.locator('tr[data-destination="warehouse"] [data-state="active"]').waitFor();

  // Log out: back to the login form, and the pages ask for it again.
  await page.click("header button[type=submit]");
  await page.waitForURL(`${daemon.url}/ui/login`);
  await page.goto(`${daemon.url}/ui`);
  expect(new URL(page.url()).pathname).toBe("/ui/login");

  expect(problems).toEqual([]);
}, 60_000);
