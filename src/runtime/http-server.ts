// The HTTP listener, on either runtime: Bun.serve or Deno.serve behind one shape, with the same
// shutdown behaviour and bind errors worded the same. Nothing else calls a runtime's server.

import { RUNTIME } from "./which.ts";
import { serveBun } from "./http-server-bun.ts";
import { serveDeno } from "./http-server-deno.ts";
import { refuseBadHost } from "./request-target.ts";

export interface HttpServer {
  /** The bound port (useful when the config asks for port 0). */
  port: number;
  /** Stops accepting connections and resolves when requests in flight have finished. */
  stop(): Promise<void>;
  /** Drops every open connection at once (Deno: stops accepting; the process exits next). */
  close(): void;
}

export type FetchHandler = (request: Request) => Response | Promise<Response>;

export interface ListenOptions {
  host: string;
  port: number;
}

/** Bind failures by their code, in the same words on both runtimes (their own texts differ). */
const BIND_ERRORS: Record<string, string> = {
  EADDRINUSE: "the address is already in use",
  EADDRNOTAVAIL: "the address is not one of this host's",
  EACCES: "permission denied (ports below 1024 need privileges)",
};

/** Throws at once when the address cannot be bound. */
export function serveHttp(fetch: FetchHandler, options: ListenOptions): HttpServer {
  const guarded: FetchHandler = (request) => refuseBadHost(request) ?? fetch(request);
  try {
    return RUNTIME === "deno" ? serveDeno(guarded, options) : serveBun(guarded, options);
  } catch (error) {
    const code = (error as { code?: unknown } | undefined)?.code;
    const words = typeof code === "string" ? BIND_ERRORS[code] : undefined;
    throw words ? Object.assign(new Error(`${words} (${code})`, { cause: error }), { code }) : error;
  }
}
