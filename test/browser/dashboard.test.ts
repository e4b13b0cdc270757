// The dashboard in a real browser: headless Chromium (the Debian package, /usr/bin/chromium)
// driven by playwright-core, against the real `herald serve` (the compiled binary when
// HERALD_BIN is set), a real receiver on port 0 and the real database. It logs in, finds a
// failed delivery, retries it and watches the page refresh itself to "succeeded", filters, sends
// a test and logs out. Any console error, page error or failed request fails it. It saves the
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
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  return page;
}

const shot = async (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
};

test("log in, find the failed delivery, retry it and watch it succeed, filter, send a test, log out", async () => {
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

  // Send a test to a destination and see the answer.
  await page.goto(`${daemon.url}/ui/destinations`);
  await page.click('tr[data-destination="warehouse"] button[type=submit]');
  await page.locator('[data-test-result="delivered"]').waitFor();
  await shot(page, "destinations");

  // Log out: back to the login form, and the pages ask for it again.
  await page.click("header button[type=submit]");
  await page.waitForURL(`${daemon.url}/ui/login`);
  await page.goto(`${daemon.url}/ui`);
  expect(new URL(page.url()).pathname).toBe("/ui/login");

  expect(problems).toEqual([]);
}, 60_000);
