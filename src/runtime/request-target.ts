// Requests whose Host header cannot say where they were sent. Bun.serve builds Request.url
// from the Host header and the request target; without a Host (HTTP/1.0 allows that) or with
// one that is not a host (`Host: a b`), it hands over a relative URL ("/healthz") that every
// URL parser refuses, so Hono read a garbled path and Herald answered 500 or 404. Deno.serve
// puts the listen address in the URL instead, and takes `x@y` as user info. All are refused
// here, once, before any handler runs, so the two runtimes answer alike, with the error shape
// of the contract's answers (§3).

// RFC 3986's host (an IP literal in brackets, or a reg-name, which allows `_` as Docker service
// names have) and an optional port: no user info, path, query, fragment or spaces.
const HOST_HEADER = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]+)(?::\d{0,5})?$/;

/** A 400 naming the Host header when it is missing, empty or not a host; else undefined. */
export function refuseBadHost(request: Request): Response | undefined {
  const host = request.headers.get("host");
  if (host && HOST_HEADER.test(host) && URL.canParse(request.url)) return undefined;
  const message =
    host === null
      ? "the request has no Host header; send one with the address it is meant for (Host: <host>:<port>)"
      : `the Host header (${JSON.stringify(host.slice(0, 100))}) is not a host name or address with an optional port`;
  return Response.json({ error: { code: "invalid_host", message } }, { status: 400 });
}
