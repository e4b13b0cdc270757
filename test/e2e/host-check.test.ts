// DNS rebinding against a token-less daemon: a page whose name now resolves to 127.0.0.1 makes
// the browser send its requests to Herald with the page's name in Host. Sent over a raw socket,
// so the Host header is exactly the one written here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, DAEMON_RUNTIME, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";
import { rowsOf } from "../helpers/rows.ts";

let daemon: Daemon;
let db: string;
beforeAll(async () => {
  const config = writeConfig(
    relayToml("{{db}}", "http://127.0.0.1:9", { extra: `[[sources]]\nname = "local"\npath = "/in/local"\nverify = "none"\nevent = "local.ping"\n` }),
  );
  db = config.db;
  daemon = await startDaemon(config.path);
});
afterAll(() => cleanUp(daemon));

/** One HTTP/1.1 request with the given Host (or none); the status and the parsed JSON answer. */
function request(method: string, path: string, host: string | undefined, body?: string): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(daemon.port, "127.0.0.1");
    const head = [`${method} ${path} HTTP/1.1`, ...(host === undefined ? [] : [`Host: ${host}`]), "Connection: close"];
    if (body !== undefined) head.push("Content-Type: application/json", `Content-Length: ${Buffer.byteLength(body)}`);
    let raw = "";
    socket.on("data", (chunk) => (raw += chunk.toString()));
    socket.on("error", reject);
    socket.on("end", () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]);
      const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      resolve({ status, json });
    });
    socket.write(`${head.join("\r\n")}\r\n\r\n${body ?? ""}`);
  });
}

const publish = JSON.stringify({ event: "completed", data: { n: 1 } });
const batch = JSON.stringify({ events: [{ event: "completed", data: { n: 2 } }] });
const requests: Array<[string, string, string?]> = [
  ["POST", "/v1/events", publish],
  ["POST", "/v1/events/batch", batch],
  ["POST", "/in/local", publish],
  ["GET", "/v1/deliveries"],
  ["GET", "/v1/events"],
  ["GET", "/metrics"],
  ["GET", "/readyz"],
  ["GET", "/healthz"],
];

describe("without tokens, only loopback Hosts are served", () => {
  test.each(["rebind.attacker.example", `rebind.attacker.example:${8787}`, "127.0.0.1.nip.io", "localhost.attacker.example", "app.localhost", "10.0.0.1", "[::2]:80"])(
    "Host %s: 421 naming the Host header on every path, nothing stored",
    async (host) => {
      for (const [method, path, body] of requests) {
        const answer = await request(method, path, host, body);
        expect({ path, status: answer.status }).toEqual({ path, status: 421 });
        expect(answer.json).toEqual({
          error: {
            code: "host_not_allowed",
            message: `the Host header (${JSON.stringify(host)}) is not a loopback name: without auth tokens Herald serves only requests to localhost, 127.0.0.0/8 or [::1] (a defence against DNS rebinding)`,
          },
        });
      }
      expect(rowsOf(db).query("SELECT count(*) AS n FROM events").get()).toEqual({ n: 0 });
    },
  );

  test("a request with no Host header is refused on either runtime", async () => {
    // HTTP/1.1 requires Host: Bun's server answers 400 before Herald sees the request. Deno's
    // would give it the listen address as its host; Herald refuses it first (host-header.test.ts).
    const { status } = await request("GET", "/v1/deliveries", undefined);
    expect(status).toBe(400);
  });

  test.each(["localhost", `localhost:${8787}`, "LOCALHOST.", "127.0.0.1", "127.9.8.7:1", "[::1]", "[::ffff:127.0.0.1]:8787"])("Host %s is served", async (host) => {
    expect((await request("GET", "/healthz", host)).status).toBe(200);
    expect((await request("GET", "/v1/deliveries", host)).status).toBe(200);
  });

  test("Herald's own listen address is served, and publishing through it works", async () => {
    const answer = await request("POST", "/v1/events", `127.0.0.1:${daemon.port}`, publish);
    expect(answer.status).toBe(202);
  });
});
