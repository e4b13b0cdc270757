// Bun.serve as an HttpServer (http-server.ts).

import type { FetchHandler, HttpServer, ListenOptions } from "./http-server.ts";

export function serveBun(fetch: FetchHandler, options: ListenOptions): HttpServer {
  // A connection idle for 30 s is closed (Bun's default is 10 s).
  const server = Bun.serve({ hostname: options.host, port: options.port, fetch, idleTimeout: 30 });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(false),
    close: () => void server.stop(true),
  };
}
