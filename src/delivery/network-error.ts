// What an attempt says when its request failed below HTTP (refused, reset, TLS, DNS). A
// runtime's error may quote the URL it was given, and for a pinned request that is the IP form
// of the webhook URL, which no scrubber knows: so the text is Herald's own words, the error's
// code, and where the request went (scheme, host and port), never the path or the query.

/** Herald's words for the codes Bun and Node give; the first match wins. */
const PHRASES: Array<[RegExp, string]> = [
  [/^(ECONNREFUSED|ConnectionRefused)$/, "connection refused"],
  [/^(ECONNRESET|EPIPE|ConnectionClosed|UND_ERR_SOCKET)$/, "connection closed before the answer was complete"],
  [/^(ETIMEDOUT|ConnectionTimedOut)$/, "connection timed out"],
  [/^(EHOSTUNREACH|ENETUNREACH|EHOSTDOWN|ENETDOWN|HostUnreachable|NetworkUnreachable)$/, "no route to the host"],
  [/^(ENOTFOUND|EAI_[A-Z]+|DNSException)$/, "the host name does not resolve"],
  // The certificate failures an operator meets, each with what is wrong with the certificate.
  [/SELF_SIGNED/i, "TLS certificate not accepted: it is self-signed"],
  [/CERT_HAS_EXPIRED|CERT_NOT_YET_VALID/i, "TLS certificate not accepted: outside its validity dates"],
  [/ALTNAME|HOSTNAME_MISMATCH/i, "TLS certificate not accepted: issued for another host name"],
  [/UNABLE_TO_(GET_ISSUER|VERIFY_LEAF)/i, "TLS certificate not accepted: not signed by a trusted authority"],
  [/CERT/i, "TLS certificate not accepted"],
  [/SSL|TLS|HANDSHAKE/i, "TLS handshake failed"],
  [/^(FailedToOpenSocket|ECONNABORTED|EADDRNOTAVAIL)$/, "could not open a connection"],
];

/** An error code is shown only when it looks like one (a runtime might put anything there). */
const CODE = /^[A-Za-z][A-Za-z0-9_]{1,63}$/;

export interface NetworkTarget {
  /** The webhook URL as configured or published (its host is the name). */
  url: string;
  /** The checked address the connection was pinned to, if any. */
  address?: string;
}

/** The error's code, or its cause's: Deno's fetch says only "fetch failed" and puts the detail in cause. */
function codeOf(error: unknown, depth = 0): string | undefined {
  const { code, cause } = (error ?? {}) as { code?: unknown; cause?: unknown };
  if (typeof code === "string" && CODE.test(code)) return code;
  return depth < 3 && cause !== undefined ? codeOf(cause, depth + 1) : undefined;
}

export function describeNetworkError(error: unknown, target: NetworkTarget): string {
  const code = codeOf(error);
  const phrase = (code && PHRASES.find(([pattern]) => pattern.test(code))?.[1]) ?? "network error";
  return `${phrase}${code ? ` (${code})` : ""} at ${whereTo(target)}`;
}

function whereTo({ url, address }: NetworkTarget): string {
  let origin: string;
  try {
    const parsed = new URL(url);
    origin = `${parsed.protocol}//${parsed.host}`;
  } catch {
    origin = "[invalid url]";
  }
  return address ? `${origin} via ${address}` : origin;
}
