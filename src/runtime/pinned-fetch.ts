// The outgoing HTTP client for deliveries, on either runtime. The sender aims each request at
// the address the SSRF guard checked (the URL's host is that IP, the Host header keeps the
// name) and asks for the TLS server name to stay the name, so certificates are verified
// against it. Bun's fetch does all of that (tls.serverName). Deno's cannot: it drops a Host
// header and has no server name option, so there the request goes through node:http(s)
// (pinned-fetch-node.ts). Both never follow redirects and never decompress: the sender reads
// at most a capped number of decoded bytes itself (delivery/read-capped.ts).

import { RUNTIME } from "./which.ts";
import { sendWithNodeHttp } from "./pinned-fetch-node.ts";

export interface PinnedRequest {
  /** The URL to dial: its host is the checked address when the request is pinned. */
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string | FormData;
  signal: AbortSignal;
  /** For https: the name the certificate must be valid for (the URL's host before pinning). */
  serverName?: string;
}

/** A fetch-shaped function (tests give the sender one to stand for the network). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Sends the request: through `via` when one is given, else through the runtime's own client.
 * Errors are the client's own (a code such as ECONNREFUSED, on the error or its cause).
 */
export function sendPinned(request: PinnedRequest, via?: FetchLike): Promise<Response> {
  if (!via && RUNTIME === "deno") return sendWithNodeHttp(request);
  const init = {
    method: request.method,
    headers: request.headers,
    body: request.body,
    redirect: "manual",
    // Bun's own decoding inflates a whole network chunk at once; read-capped.ts decodes within the cap.
    decompress: false,
    signal: request.signal,
    ...(request.serverName ? { tls: { serverName: request.serverName } } : {}),
  } satisfies RequestInit & { decompress: boolean };
  return (via ?? fetch)(request.url, init);
}
