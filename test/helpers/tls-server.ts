// An https receiver for the tests, on node:https so it runs under Bun and Deno alike (Herald's
// listener seam has no TLS: Herald itself serves plain HTTP). It answers through a fetch-style
// handler, as the plain receivers do, and writes the answer's bytes as they are.
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export const TLS_FIXTURES = join(import.meta.dirname!, "..", "fixtures", "tls");

/** The fixture pair `name` (cert.pem/key.pem, or `<name>.pem`/`<name>-key.pem`). */
export function tlsPair(name = ""): { cert: string; key: string } {
  const read = (file: string) => readFileSync(join(TLS_FIXTURES, file), "utf8");
  return name ? { cert: read(`${name}.pem`), key: read(`${name}-key.pem`) } : { cert: read("cert.pem"), key: read("key.pem") };
}

export interface TlsServer {
  port: number;
  url: string;
  /** Closes the listener and every connection. */
  stop(): void;
}

export async function serveTls(pair: { cert: string; key: string }, fetch: (request: Request) => Response | Promise<Response>): Promise<TlsServer> {
  const server: Server = createServer(pair, async (req, res) => {
    const request = new Request(`https://${req.headers.host ?? "localhost"}${req.url ?? "/"}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([name, value]) => (value === undefined ? [] : [[name, String(value)] as [string, string]])),
    });
    const response = await fetch(request);
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `https://127.0.0.1:${port}`,
    stop: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}
