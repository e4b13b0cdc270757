// The HTTP listener: the only module that calls Bun.serve. A Deno port replaces this file.

export interface HttpServer {
  /** The bound port (useful when the config asks for port 0). */
  port: number;
  /** Stops accepting connections and resolves when requests in flight have finished. */
  stop(): Promise<void>;
  /** Drops every open connection at once. */
  close(): void;
}

export function serveHttp(fetch: (request: Request) => Response | Promise<Response>, options: { host: string; port: number }): HttpServer {
  const server = Bun.serve({ hostname: options.host, port: options.port, fetch, idleTimeout: 30 });
  return {
    port: server.port ?? options.port,
    stop: () => server.stop(false),
    close: () => void server.stop(true),
  };
}
