// Requests whose Host header is missing (HTTP/1.0 allows that) or is not a host: once 500
// internal_error (no Host) or 404 with a garbled path (`Host: a b`). Now a 400 naming the Host
// header on every path, with tokens or without, on either runtime. Sent over a raw socket, so
// the request is exactly the bytes written here.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:net";
import { relayToml } from "../helpers/config.ts";
import { cleanUp, startDaemon, writeConfig, type Daemon } from "../helpers/daemon.ts";

const TOKENS = `[auth]\npublish_tokens = ["publish-token-0123456789"]\nadmin_tokens = ["admin-token-0123456789abc"]\n`;
const daemons: Record<"with tokens" | "without tokens", Daemon> = {} as never;
beforeAll(async () => {
  const [withTokens, without] = await Promise.all([TOKENS, ""].map((extra) => startDaemon(writeConfig(relayToml("{{db}}", "http://127.0.0.1:9", { extra })).path)));
  daemons["with tokens"] = withTokens!;
  daemons["without tokens"] = without!;
});
afterAll(async () => {
  for (const daemon of Object.values(daemons)) await cleanUp(daemon);
});

/** Writes `head` (request line and headers) and reads the whole answer: status and JSON body. */
function send(port: number, head: string[]): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let raw = "";
    socket.on("data", (chunk) => (raw += chunk.toString()));
    socket.on("error", reject);
    socket.on("end", () => {
      const text = raw.slice(raw.indexOf("\r\n\r\n") + 4);
      let json: unknown = text;
      try {
        json = JSON.parse(text);
      } catch {}
      resolve({ status: Number(/^HTTP\/1\.[01] (\d{3})/.exec(raw)?.[1]), json });
    });
    socket.write(`${head.join("\r\n")}\r\n\r\n`);
  });
}

const PATHS = [["GET", "/healthz"], ["GET", "/readyz"], ["GET", "/metrics"], ["GET", "/v1/deliveries?limit=1"], ["POST", "/v1/events"], ["GET", "/no/such/path"]] as const;
const noHost = { error: { code: "invalid_host", message: "the request has no Host header; send one with the address it is meant for (Host: <host>:<port>)" } };
const badHost = (host: string) => ({ error: { code: "invalid_host", message: `the Host header (${JSON.stringify(host)}) is not a host name or address with an optional port` } });

describe.each(["with tokens", "without tokens"] as const)("%s", (mode) => {
  test("HTTP/1.0 without a Host header: 400 naming the header on every path, never a 500", async () => {
    for (const [method, path] of PATHS) {
      const answer = await send(daemons[mode].port, [`${method} ${path} HTTP/1.0`, "Content-Length: 0"]);
      expect({ path, ...answer }).toEqual({ path, status: 400, json: noHost });
    }
    expect(daemons[mode].lines.filter((line) => line.msg === "ingress.error")).toEqual([]);
  });

  test.each(["a b", "", "a/b", "x@127.0.0.1", "a?b", "[::1"])("Host %p: 400 naming the header, not a route miss", async (host) => {
    for (const [method, path] of PATHS) {
      const answer = await send(daemons[mode].port, [`${method} ${path} HTTP/1.1`, `Host: ${host}`, "Content-Length: 0", "Connection: close"]);
      expect({ path, ...answer }).toEqual({ path, status: 400, json: badHost(host) });
    }
  });

  test.each(["127.0.0.1", "localhost:1", "[::1]:80"])("Host %p is served", async (host) => {
    expect(await send(daemons[mode].port, ["GET /healthz HTTP/1.1", `Host: ${host}`, "Connection: close"])).toEqual({ status: 200, json: { status: "ok" } });
  });

  test("HTTP/1.0 with a good Host is served", async () => {
    expect(await send(daemons[mode].port, ["GET /healthz HTTP/1.0", "Host: 127.0.0.1"])).toEqual({ status: 200, json: { status: "ok" } });
  });

  test("HTTP/1.1 without a Host header is refused too (Bun's server answers it before Herald)", async () => {
    const answer = await send(daemons[mode].port, ["GET /healthz HTTP/1.1", "Connection: close"]);
    expect(answer.status).toBe(400);
    if (process.env.HERALD_RUNTIME === "deno") expect(answer.json).toEqual(noHost);
  });
});

test("with tokens, any well-formed Host is served: a proxy may pass its own, a Docker service name has _", async () => {
  const answer = await send(daemons["with tokens"].port, ["GET /healthz HTTP/1.1", "Host: herald_app.internal:8787", "Connection: close"]);
  expect(answer).toEqual({ status: 200, json: { status: "ok" } });
});
