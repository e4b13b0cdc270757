// Deno.serve as an HttpServer (http-server.ts). The Deno global is reached through globalThis,
// so this module loads (and type-checks) under Bun too.

import type { FetchHandler, HttpServer, ListenOptions } from "./http-server.ts";

/** The part of Deno.serve used here. */
interface DenoServe {
  serve(
    options: { hostname: string; port: number; onListen: () => void },
    handler: FetchHandler,
  ): { addr: { port: number }; shutdown(): Promise<void>; finished: Promise<void> };
}

export function serveDeno(fetch: FetchHandler, options: ListenOptions): HttpServer {
  const { Deno } = globalThis as unknown as { Deno: DenoServe };
  // onListen replaces Deno's own "Listening on ..." line on stderr: Herald logs server.listening.
  const server = Deno.serve({ hostname: options.host, port: options.port, onListen: () => {} }, fetch);
  let stopping: Promise<void> | undefined;
  // shutdown() stops accepting and resolves once requests in flight have been answered, like
  // Bun's stop(false). Deno has no call that cuts open connections; close() is only used just
  // before the process exits, which does.
  const shutdown = () => (stopping ??= server.shutdown());
  return {
    port: server.addr.port,
    stop: shutdown,
    close: () => void shutdown(),
  };
}
