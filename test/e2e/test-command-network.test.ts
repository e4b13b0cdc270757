// `herald test` against receivers that fail below HTTP: what the operator reads is Herald's
// words (never the runtime's "Unable to connect. Is the computer able to access the url?"),
// one pair of parentheses for the verdict, and never the URL's path.
import { afterAll, describe, expect, test } from "bun:test";
import { createServer } from "node:net";
import { serveHttp } from "../../src/runtime/http-server.ts";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { serveTls, tlsPair } from "../helpers/tls-server.ts";

const selfSigned = await serveTls(tlsPair(), () => new Response("ok"));
const silent = serveHttp(() => new Promise<Response>(() => {}), { host: "127.0.0.1", port: 0 });
// A port that was just free: nothing listens there.
const closed = createServer();
await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
const closedPort = (closed.address() as { port: number }).port;
await new Promise((resolve) => closed.close(resolve));
afterAll(() => {
  selfSigned.stop();
  silent.close();
});

const { path } = writeConfig(`
[storage]
path = "{{db}}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "tls"
url = "https://127.0.0.1:${selfSigned.port}/in/s3cr3t"
[[destinations]]
name = "silent"
url = "http://127.0.0.1:${silent.port}/in/s3cr3t"
timeout = "300ms"
[[destinations]]
name = "down"
url = "http://127.0.0.1:${closedPort}/in/s3cr3t"
`);

const { path: strictPath } = writeConfig(`
[storage]
path = "{{db}}"
[[destinations]]
name = "nxdomain"
url = "https://no-such-host.invalid/in/s3cr3t"
`);

/** The second line `herald test` prints, with the latency made a placeholder. */
async function resultLine(destination: string, config = path) {
  const { code, stdout, stderr } = await runHerald(["test", destination, "--config", config]);
  expect(stderr).toBe("");
  expect(stdout).not.toContain("s3cr3t");
  const lines = stdout.trimEnd().split("\n");
  expect(lines).toHaveLength(2);
  for (const line of lines) expect(line).not.toMatch(/\([^()]*\(/);
  return { code, line: lines[1]!.replace(/ after \d+ ms /, " after N ms ") };
}

describe("herald test: failures below HTTP", () => {
  test("a self-signed certificate says so", async () => {
    expect(await resultLine("tls")).toEqual({
      code: 1,
      line: `error: network: TLS certificate not accepted: it is self-signed (DEPTH_ZERO_SELF_SIGNED_CERT) at https://127.0.0.1:${selfSigned.port} after N ms (would be retried)`,
    });
  });

  test("a receiver that does not answer in time", async () => {
    expect(await resultLine("silent")).toEqual({ code: 1, line: "error: timeout: no complete answer within 300ms after N ms (would be retried)" });
  });

  test("a refused connection", async () => {
    expect(await resultLine("down")).toEqual({ code: 1, line: `error: network: connection refused (ECONNREFUSED) at http://127.0.0.1:${closedPort} after N ms (would be retried)` });
  });

  test("a name that does not resolve, with the verdict in one pair of parentheses", async () => {
    const { code, line } = await resultLine("nxdomain", strictPath);
    expect(code).toBe(1);
    // .invalid never resolves (RFC 6761); the code depends on the resolver the machine has.
    // A failed lookup says nothing lasting about the URL (DNS answers change): it is retried.
    expect(line).toMatch(/^error: network: host no-such-host\.invalid does not resolve \([A-Z_]+\) after N ms \(would be retried\)$/);
  });
});
