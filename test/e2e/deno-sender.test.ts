// The sender under Deno, where deliveries go through node:http(s) instead of fetch
// (src/runtime/pinned-fetch.ts): a real `deno run` of the sender (test/fixtures/send-once.ts)
// against real receivers. It must connect only to the checked address, keep the name in Host
// and in the certificate check, never follow a redirect, cap decoded answers at 4 KiB, time out,
// and word its errors as it does under Bun.
import { afterEach, describe, expect, test } from "bun:test";
import { createServer as createTcpServer, type Socket } from "node:net";
import { join } from "node:path";
import { deflateRawSync, gzipSync } from "node:zlib";
import { denoCommand } from "../helpers/daemon.ts";
import { run, sleep } from "../helpers/process.ts";
import { serveTls, tlsPair } from "../helpers/tls-server.ts";
import { bomb } from "../helpers/bombs.ts";
import { startReceiver, type Receiver } from "../helpers/receiver.ts";

const FIXTURES = join(import.meta.dirname!, "..", "fixtures");
const stops: Array<() => void> = [];
afterEach(() => stops.splice(0).forEach((stop) => stop()));

/** Sends one request from a Deno process; ADDRESS is what every name "resolves" to. */
async function sendFromDeno(url: string, address: string, timeoutMs = 2_000, env: Record<string, string> = {}, abortMs?: number) {
  const args = [url, address, String(timeoutMs), ...(abortMs ? [String(abortMs)] : [])];
  const { stdout, stderr, code } = await run(denoCommand(join(FIXTURES, "send-once.ts"), args), { env: { ...process.env, ...env } });
  if (code !== 0) throw new Error(`send-once exited ${code}: ${stderr}`);
  return JSON.parse(stdout) as { kind: string; status?: number; body?: string; error?: string; message?: string; durationMs: number };
}

function receiver(respond?: Parameters<typeof startReceiver>[0]): Receiver & { port: string } {
  const started = startReceiver(respond);
  stops.push(() => started.stop());
  return Object.assign(started, { port: new URL(started.url).port });
}

describe("the sender under Deno", () => {
  test("a name that passed the guard is dialled at the checked address, with the name in Host and the body as sent", async () => {
    const hook = receiver();
    const result = await sendFromDeno(`http://hook.herald.test:${hook.port}/in/s3cr3t?x=1`, "127.0.0.1");
    expect(result).toMatchObject({ kind: "response", status: 200, body: "ok" });
    expect(hook.requests).toHaveLength(1);
    const [got] = hook.requests;
    expect([got!.method, got!.path, got!.search, got!.body]).toEqual(["POST", "/in/s3cr3t", "?x=1", '{"hello":"deno"}']);
    expect(got!.headers).toMatchObject({ host: `hook.herald.test:${hook.port}`, "x-test": "yes", "content-type": "application/json" });
  });

  test("a redirect is answered, not followed", async () => {
    const elsewhere = receiver();
    const hook = receiver(() => new Response("moved", { status: 302, headers: { location: `${elsewhere.url}/stolen` } }));
    const result = await sendFromDeno(`http://hook.herald.test:${hook.port}/hook`, "127.0.0.1");
    expect(result).toMatchObject({ kind: "response", status: 302, body: "moved" });
    expect(elsewhere.requests).toHaveLength(0);
  });

  test("a compression bomb is decoded only to 4 KiB", async () => {
    const hook = receiver(() => new Response(bomb("gzip"), { status: 500, headers: { "content-encoding": "gzip" } }));
    const result = await sendFromDeno(`http://hook.herald.test:${hook.port}/hook`, "127.0.0.1");
    expect(result).toMatchObject({ kind: "response", status: 500, body: "a".repeat(4096) });
  });

  test("answers reach the decoder as sent: a small gzip one decodes, one that does not decode is a marker", async () => {
    // node:http never decompresses, so read-capped.ts needs no fallback for pre-decoded bytes.
    const small = receiver(() => new Response(gzipSync("invalid_payload"), { status: 400, headers: { "content-encoding": "gzip" } }));
    expect(await sendFromDeno(`http://hook.herald.test:${small.port}/hook`, "127.0.0.1")).toMatchObject({ kind: "response", status: 400, body: "invalid_payload" });
    const raw = receiver(() => new Response(deflateRawSync("not zlib-wrapped"), { status: 500, headers: { "content-encoding": "deflate" } }));
    expect(await sendFromDeno(`http://hook.herald.test:${raw.port}/hook`, "127.0.0.1")).toMatchObject({ kind: "response", status: 500, body: "[answer in deflate encoding, could not be decoded]" });
  });

  test("a receiver that never answers times out, and a closed port is refused, in Herald's words", async () => {
    const sockets: Socket[] = [];
    const silent = createTcpServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    stops.push(() => (sockets.forEach((s) => s.destroy()), silent.close()));
    const port = (silent.address() as { port: number }).port;
    expect(await sendFromDeno(`http://hook.herald.test:${port}/in/s3cr3t`, "127.0.0.1", 300)).toMatchObject({ kind: "error", error: "timeout", message: "no complete answer within 300ms" });

    const closed = createTcpServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((resolve) => closed.close(resolve));
    expect(await sendFromDeno(`http://hook.herald.test:${closedPort}/in/s3cr3t`, "127.0.0.1")).toMatchObject({
      kind: "error",
      error: "network",
      message: `connection refused (ECONNREFUSED) at http://hook.herald.test:${closedPort} via 127.0.0.1`,
    });
  });

  test("a shutdown's abort ends a request waiting for its answer at once (the delivery is released)", async () => {
    const slow = receiver(async (_, index) => (index === 0 ? new Response("first") : (await sleep(2_000), new Response("too late"))));
    const result = await sendFromDeno(`http://hook.herald.test:${slow.port}/hook`, "127.0.0.1", 5_000, {}, 150);
    expect(result).toMatchObject({ kind: "error", error: "aborted", message: "stopped by shutdown" });
    expect(result.durationMs).toBeLessThan(1_000);
    expect(slow.requests).toHaveLength(2);
  });

  describe("https", () => {
    const tlsReceiver = async (name = "") => {
      const hosts: string[] = [];
      const server = await serveTls(tlsPair(name), (req) => (hosts.push(req.headers.get("host") ?? ""), new Response("tls ok")));
      stops.push(() => server.stop());
      return { port: server.port, hosts };
    };

    test("a certificate nobody vouches for is refused", async () => {
      const { port, hosts } = await tlsReceiver();
      const result = await sendFromDeno(`https://untrusted.herald.test:${port}/hook`, "127.0.0.1");
      expect(result).toMatchObject({ kind: "error", error: "network" });
      expect(result.message).toMatch(/^TLS certificate not accepted: it is self-signed \(DEPTH_ZERO_SELF_SIGNED_CERT\) at https:\/\/untrusted\.herald\.test:\d+ via 127\.0\.0\.1$/);
      expect(hosts).toEqual([]);
    });

    test("a trusted certificate is checked against the URL's host name, not the address dialled", async () => {
      const { port, hosts } = await tlsReceiver("pinned");
      // Deno's node:https trusts what NODE_EXTRA_CA_CERTS adds (its fetch would read DENO_CERT).
      const trusting = { NODE_EXTRA_CA_CERTS: join(FIXTURES, "tls/ca.pem") };
      expect(await sendFromDeno(`https://pinned.herald.test:${port}/hook`, "127.0.0.1", 2_000, trusting)).toMatchObject({ kind: "response", status: 200, body: "tls ok" });
      expect(hosts).toEqual([`pinned.herald.test:${port}`]);
      const wrongName = await sendFromDeno(`https://other.herald.test:${port}/hook`, "127.0.0.1", 2_000, trusting);
      expect(wrongName).toMatchObject({ kind: "error", error: "network" });
      expect(wrongName.message).toStartWith("TLS certificate not accepted");
      expect(hosts).toHaveLength(1);
    });
  });
});
