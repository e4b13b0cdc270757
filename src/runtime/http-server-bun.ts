// Bun.serve as an HttpServer (http-server.ts). The Bun global is reached through globalThis,
// so this module type-checks under Deno too (deno check knows no Bun).

import type { FetchHandler, HttpServer, ListenOptions } from "./http-server.ts";

/** The part of Bun.serve used here. */
interface BunServe {
  serve(options: { hostname: string; port: number; fetch: FetchHandler; idleTimeout: number }): { port?: number; stop(closeActive: boolean): Promise<void> };
}

export function serveBun(fetch: FetchHandler, options: ListenOptions): HttpServer {
  // A connection idle for 30 s is closed (Bun's default is 10 s).
  const { Bun } = globalThis as unknown as { Bun: BunServe };
  const server = Bun.serve({ hostname: options.host, port: options.port, fetch, idleTimeout: 30 });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(false),
    close: () => void server.stop(true),
  };
}
