// The SSRF guard at send time, through the real scheduler and sender: names are resolved,
// every address is checked, and the connection goes to the checked address only.
import { afterEach, describe, expect, test } from "bun:test";
import { serveHttp } from "../../src/runtime/http-server.ts";
import { configFrom, routeEverythingTo } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

function harness(url: string, resolve: (host: string) => Promise<string[]>, security = `allow_http = true\nallowed_hosts = ["127.0.0.0/8"]`, fetch?: typeof globalThis.fetch) {
  return createHarness(
    (db) =>
      configFrom(`
[storage]
path = "${db}"
[security]
${security}
[delivery]
max_attempts = 1
[[destinations]]
name = "hook"
url = "${url}"
${routeEverythingTo("hook")}`),
    { resolve, fetch },
  );
}

describe("DNS rebinding", () => {
  test("the request goes to the address that was checked, with the name kept in Host; DNS is not asked again", async () => {
    receiver = startReceiver();
    const port = new URL(receiver.url).port;
    const answers = [["127.0.0.1"], ["10.66.0.1"]]; // checked once; a second lookup would rebind
    const lookups: string[] = [];
    const h = harness(`http://rebind.example.test:${port}/hook`, async (host) => (lookups.push(host), answers[Math.min(lookups.length - 1, 1)]!));
    await h.post("/v1/events", { event: "completed", data: {} });
    await h.tickAndSettle();
    expect(lookups).toEqual(["rebind.example.test"]);
    // rebind.example.test does not exist in real DNS: only a pinned connection can arrive.
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers.host).toBe(`rebind.example.test:${port}`);
    expect(h.deliveryRow((h.query("SELECT id FROM deliveries").get() as { id: string }).id).status).toBe("succeeded");
  });

  test("a name that now resolves to a private address is refused at send time, and nothing is sent", async () => {
    receiver = startReceiver();
    const port = new URL(receiver.url).port;
    const h = harness(`http://internal.example.test:${port}/hook`, async () => ["10.0.0.7", "127.0.0.1"]);
    await h.post("/v1/events", { event: "completed", data: {} });
    await h.tickAndSettle();
    expect(receiver.requests).toEqual([]);
    const row = h.query("SELECT status, last_error FROM deliveries").get();
    expect(row).toEqual({
      status: "failed",
      last_error: `refused: host internal.example.test resolves to 10.0.0.7, a private network, a non-public address; allow this host with security.allowed_hosts = ["internal.example.test"], or every non-public address with security.allow_private_networks = true`,
    });
  });

  test("a name that does not resolve right now is retried with backoff, and delivered once it does", async () => {
    receiver = startReceiver();
    const port = new URL(receiver.url).port;
    let lookups = 0;
    const resolve = async () => {
      if (++lookups === 1) throw Object.assign(new Error("queryA ENOTFOUND"), { code: "ENOTFOUND" });
      return ["127.0.0.1"];
    };
    const h = createHarness(
      (db) => configFrom(`[storage]\npath = "${db}"\n[security]\nallow_http = true\nallowed_hosts = ["127.0.0.0/8"]\n[delivery]\nbackoff = ["30s"]\njitter = 0\n[[destinations]]\nname = "hook"\nurl = "http://flaky-dns.example.test:${port}/hook"\n${routeEverythingTo("hook")}`),
      { resolve },
    );
    await h.post("/v1/events", { event: "completed", data: {} });
    await h.tickAndSettle();
    const id = (h.query("SELECT id FROM deliveries").get() as { id: string }).id;
    expect(h.deliveryRow(id)).toMatchObject({ status: "pending", attempts: 1, last_error: "network: host flaky-dns.example.test does not resolve (ENOTFOUND)" });
    h.clock.advance(30_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);
    expect(h.deliveryRow(id)).toMatchObject({ status: "succeeded", attempts: 2 });
  });

  test("names resolving to loopback, metadata, NAT64- or 6to4-embedded private addresses are all refused", async () => {
    receiver = startReceiver();
    const answers: Record<string, string[]> = {
      "loop.example.test": ["127.0.0.2"],
      "meta.example.test": ["169.254.169.254"],
      "mapped.example.test": ["::ffff:10.0.0.1"],
      "nat64.example.test": ["64:ff9b::a00:1"],
      "sixtofour.example.test": ["2002:c0a8:0101::1"],
      "v6loop.example.test": ["::1"],
    };
    for (const host of Object.keys(answers)) {
      const h = harness(`https://${host}/hook`, async (name) => answers[name]!, "");
      await h.post("/v1/events", { event: "completed", data: {} });
      await h.tickAndSettle();
      const row = h.query("SELECT status, last_error FROM deliveries").get() as { status: string; last_error: string };
      expect({ host, status: row.status, refused: row.last_error.startsWith(`refused: host ${host} resolves to`) }).toEqual({ host, status: "failed", refused: true });
    }
  });
});

describe("pinning", () => {
  /**
   * The network as fetch would meet it: an address literal is dialled (127.0.0.1 for real, any
   * public address answers 200 as "the internet"), and a host name is looked up again, which
   * now answers 127.0.0.1. Records where each request was aimed.
   */
  function fakeNetwork(nextLookup: () => string) {
    const dialled: string[] = [];
    const fetchVia = (async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      const host = url.hostname.replace(/^\[|\]$/g, "");
      const address = /^[\d.]+$/.test(host) || host.includes(":") ? host : nextLookup();
      dialled.push(address);
      if (address !== "127.0.0.1") return new Response("ok from the public internet");
      url.hostname = address;
      return fetch(url, init);
    }) as typeof fetch;
    return { fetch: fetchVia, dialled };
  }

  test("an IPv4-mapped public answer is dialled as that IPv4 address, never as the name that now resolves to 127.0.0.1", async () => {
    receiver = startReceiver();
    const port = new URL(receiver.url).port;
    const lookups: string[] = [];
    const network = fakeNetwork(() => "127.0.0.1");
    const resolve = async (host: string) => (lookups.push(host), lookups.length === 1 ? ["::ffff:93.184.216.34"] : ["127.0.0.1"]);
    const h = harness(`http://rebind.example.test:${port}/in/s3cr3t`, resolve, "allow_http = true", network.fetch);
    await h.post("/v1/events", { event: "completed", data: {} });
    await h.tickAndSettle();
    expect(receiver.requests).toEqual([]);
    expect(network.dialled).toEqual(["93.184.216.34"]);
    expect(h.deliveryRow((h.query("SELECT id FROM deliveries").get() as { id: string }).id).status).toBe("succeeded");
  });

  test("an IPv4-mapped answer inside an allowed IPv4 range is exempt, and the connection is plain IPv4", async () => {
    receiver = startReceiver();
    const port = new URL(receiver.url).port;
    const h = harness(`http://mapped.example.test:${port}/hook`, async () => ["::ffff:127.0.0.1"]);
    await h.post("/v1/events", { event: "completed", data: {} });
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.headers.host).toBe(`mapped.example.test:${port}`);
  });

  test("an IPv6 answer is dialled in brackets: the request reaches a receiver on ::1 under the name", async () => {
    const v6 = serveHttp((req) => new Response(`host ${req.headers.get("host")}`), { host: "::1", port: 0 });
    try {
      const h = harness(`http://six.example.test:${v6.port}/hook`, async () => ["::1"], `allow_http = true\nallowed_hosts = ["::1"]`);
      await h.post("/v1/events", { event: "completed", data: {} });
      await h.tickAndSettle();
      const attempt = h.query("SELECT status_code, response FROM attempts").get();
      expect(attempt).toEqual({ status_code: 200, response: `host six.example.test:${v6.port}` });
    } finally {
      v6.close();
    }
  });

  test("names answering the newly refused IPv6 ranges are refused at send time, naming the range", async () => {
    receiver = startReceiver();
    const answers: Record<string, [string, string]> = {
      "teredo.example.test": ["2001:0:4136:e378:8000:63bf:3fff:fdd2", "Teredo"],
      "nat64local.example.test": ["64:ff9b:1::a00:1", "local-use IPv4/IPv6 translation"],
      "sitelocal.example.test": ["fec0::1", "site-local (deprecated)"],
      "mappedloop.example.test": ["::ffff:127.0.0.1", "loopback"],
      "discard.example.test": ["100::1", "discard-only"],
    };
    for (const [host, [address, label]] of Object.entries(answers)) {
      const h = harness(`https://${host}/hook`, async () => [address], "");
      await h.post("/v1/events", { event: "completed", data: {} });
      await h.tickAndSettle();
      const row = h.query("SELECT status, last_error FROM deliveries").get() as { status: string; last_error: string };
      expect({ host, status: row.status, refused: row.last_error.includes(`, ${label}, a non-public address`) }).toEqual({ host, status: "failed", refused: true });
    }
    expect(receiver.requests).toEqual([]);
  });
});
