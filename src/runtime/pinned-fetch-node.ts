// A pinned request through node:http / node:https, for Deno (pinned-fetch.ts says why). The
// URL's host is already the checked address, and a lookup that can only answer that address
// stands guard, so no name is ever resolved here. For https, servername carries the name for
// SNI and for the certificate check (Node's checkServerIdentity reads servername first), and
// certificates are verified as usual (rejectUnauthorized stays true).

import { Buffer } from "node:buffer";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import { isIP, type LookupFunction } from "node:net";
import { Readable } from "node:stream";
import type { PinnedRequest } from "./pinned-fetch.ts";


/** Statuses whose Response may not have a body. */
const NULL_BODY = new Set([101, 204, 205, 304]);

/** Answers only with the address already in the URL; a name would mean the pin did not take. */
function onlyThe(address: string): LookupFunction {
  return (hostname, options, callback) => {
    const family = isIP(address);
    if (hostname !== address || family === 0) {
      return callback(Object.assign(new Error(`refusing to look up ${hostname}`), { code: "ENOTFOUND" }), "", 0);
    }
    if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [{ address, family }]);
    callback(null, address, family);
  };
}

/** A FormData body (Discord attachments) as multipart bytes and the content type naming its boundary. */
async function bodyBytes(request: PinnedRequest): Promise<{ bytes: Buffer; contentType?: string }> {
  if (typeof request.body === "string") return { bytes: Buffer.from(request.body) };
  const encoded = new Response(request.body);
  return { bytes: Buffer.from(await encoded.arrayBuffer()), contentType: encoded.headers.get("content-type") ?? undefined };
}

function toResponse(answer: IncomingMessage): Response {
  const headers = new Headers();
  for (let i = 0; i + 1 < answer.rawHeaders.length; i += 2) headers.append(answer.rawHeaders[i]!, answer.rawHeaders[i + 1]!);
  const status = answer.statusCode ?? 502;
  if (NULL_BODY.has(status)) {
    answer.resume();
    return new Response(null, { status, headers });
  }
  // toWeb keeps backpressure: bytes are read from the socket only as read-capped.ts asks.
  return new Response(Readable.toWeb(answer) as unknown as ReadableStream<Uint8Array>, { status, statusText: answer.statusMessage, headers });
}

export async function sendWithNodeHttp(request: PinnedRequest): Promise<Response> {
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[|\]$/g, "");
  const https = url.protocol === "https:";
  const { bytes, contentType } = await bodyBytes(request);
  const headers: Record<string, string> = { ...request.headers, "Content-Length": String(bytes.byteLength) };
  if (contentType && !Object.keys(headers).some((name) => name.toLowerCase() === "content-type")) headers["Content-Type"] = contentType;
  return await new Promise<Response>((resolve, reject) => {
    const options = {
      method: request.method,
      host,
      port: url.port || (https ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      headers,
      // A host that is not an address literal was not pinned (private networks allowed, or an
      // exempt host): it is resolved as fetch would.
      ...(isIP(host) ? { lookup: onlyThe(host) } : {}),
      // A connection of its own for each request. On a kept-alive connection, Deno's node:http
      // ignored the abort of a request waiting for its answer, and after the request was
      // destroyed it sent it again: a duplicate delivery (test/e2e/deno-sender.test.ts).
      agent: false,
    };
    let answer: IncomingMessage | undefined;
    const received = (message: IncomingMessage) => {
      answer = message;
      message.once("close", () => request.signal.removeEventListener("abort", abort));
      resolve(toResponse(message));
    };
    const sent = https
      ? httpsRequest({ ...options, ...(request.serverName ? { servername: request.serverName } : {}) }, received)
      : httpRequest(options, received);
    // The signal is handled here rather than passed as an option: Deno's node:http has been
    // seen to go on waiting for the answer of an aborted request (at shutdown the drain then
    // waited for every answer instead of releasing the deliveries).
    function abort() {
      const error = Object.assign(new Error("the request was aborted"), { name: "AbortError", code: "ABORT_ERR" });
      sent.destroy(error);
      answer?.destroy(error);
      reject(error);
    }
    if (request.signal.aborted) return abort();
    request.signal.addEventListener("abort", abort, { once: true });
    sent.once("error", (error) => {
      request.signal.removeEventListener("abort", abort);
      reject(error);
    });
    sent.end(bytes);
  });
}
