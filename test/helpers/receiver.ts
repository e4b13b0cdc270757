// A real HTTP receiver on 127.0.0.1, port 0, that records every request exactly as it
// arrived (raw body bytes, headers) and answers with whatever the test scripts. It listens
// through Herald's own listener seam, so it runs under Bun and Deno alike.

import { serveHttp } from "../../src/runtime/http-server.ts";

export interface ReceivedRequest {
  method: string;
  path: string;
  search: string;
  headers: Record<string, string>;
  body: string;
  at: number;
}

export type Responder = (request: ReceivedRequest, index: number) => Response | Promise<Response>;

export interface Receiver {
  url: string;
  requests: ReceivedRequest[];
  respond(responder: Responder): void;
  /** Resolves once `count` requests have arrived (or rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  stop(): void;
}

export function startReceiver(responder: Responder = () => new Response("ok")): Receiver {
  const requests: ReceivedRequest[] = [];
  let current = responder;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const server = serveHttp(
    async (req: Request) => {
      const url = new URL(req.url);
      const received: ReceivedRequest = {
        method: req.method,
        path: url.pathname,
        search: url.search,
        headers: Object.fromEntries(req.headers),
        body: await req.text(),
        at: Date.now(),
      };
      const index = requests.push(received) - 1;
      for (const waiter of waiters.filter((w) => requests.length >= w.count)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
      return current(received, index);
    },
    { host: "127.0.0.1", port: 0 },
  );
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    respond: (next) => {
      current = next;
    },
    waitFor: (count, timeoutMs = 10_000) =>
      new Promise((resolve, reject) => {
        if (requests.length >= count) return resolve(requests);
        const timer = setTimeout(() => reject(new Error(`receiver got ${requests.length} of ${count} requests in ${timeoutMs}ms`)), timeoutMs);
        waiters.push({ count, resolve: () => (clearTimeout(timer), resolve(requests)) });
      }),
    stop: () => server.close(),
  };
}

/** Answers each request with the next status in the list (the last repeats). */
export function statusSequence(...statuses: number[]): Responder {
  return (_, index) => new Response(`status ${statuses[Math.min(index, statuses.length - 1)]}`, { status: statuses[Math.min(index, statuses.length - 1)] });
}
