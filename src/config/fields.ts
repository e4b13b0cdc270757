// zod building blocks for config values written in human units. Each turns the text into a
// number and reports a message that names the bad value; the key path comes from zod.

import { z } from "zod";
import { parseStorageUrl } from "../core/storage-url.ts";
import { DEFAULT_SIGNATURE_HEADER } from "../core/types.ts";
import { parseDuration, parseRate, parseSize, type Parsed } from "../core/units.ts";

function unitField<T>(parse: (text: string) => Parsed<T>, wanted: string) {
  return z.string({ error: wanted }).transform((text, ctx) => {
    const parsed = parse(text);
    if (parsed.ok) return parsed.value;
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  });
}

/** `[storage] url`: a PostgreSQL connection URL, checked as the client will read it (storage-url.ts). */
export const storageUrlField = () =>
  z.string({ error: 'must be a URL such as "postgres://herald:${PGPASSWORD}@db:5432/herald"' }).superRefine((text, ctx) => {
    const parsed = parseStorageUrl(text);
    if (!parsed.ok) ctx.addIssue({ code: "custom", message: parsed.message });
  });

// `wanted` words a value of the wrong type (a number, a list): what the key wants, by example.
export const durationField = () => unitField(parseDuration, 'must be a duration such as "5s"');
export const sizeField = () => unitField(parseSize, 'must be a size such as "1MiB"');
export const rateField = () => unitField(parseRate, 'must be a rate such as "10/s"');

/** `host:port` or `[ipv6]:port`; port 0 asks the system for a free port (tests use it). */
export const listenField = () =>
  z.string({ error: 'must be host:port such as "127.0.0.1:8787"' }).transform((text, ctx) => {
    const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text);
    const port = match ? Number(match[3]) : -1;
    if (!match || port > 65_535) {
      ctx.addIssue({ code: "custom", message: `"${text}" is not host:port (e.g. "127.0.0.1:8787" or "[::1]:8787")` });
      return z.NEVER;
    }
    return { host: (match[1] ?? match[2])!, port };
  });

/** An HTTP header name as RFC 9110 allows it: a token, so it cannot smuggle CR/LF. */
export const headerNameField = () =>
  z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "is not a valid HTTP header name");

// Headers a destination's `headers` keys and `signature_header` (configured or inline) may not
// name. Framing and hop-by-hop headers belong to the HTTP client: naming one replaced the pinned
// Host, or made the runtime drop the signature and send the delivery unsigned. The rest are
// Herald's own, which receivers rely on (event, delivery id, Standard Webhooks signature).
const FRAMING_HEADERS = new Set(["host", "content-length", "transfer-encoding", "connection", "keep-alive", "upgrade", "te", "trailer", "expect", "content-encoding"]);
const HERALD_HEADERS = new Set(["content-type", "user-agent", "webhook-id", "webhook-timestamp", "webhook-signature"]);

/** Why a destination may not set header `name`, or undefined when it may. */
export function reservedHeaderReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (FRAMING_HEADERS.has(lower) || lower.startsWith("proxy-")) return "is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here";
  if (HERALD_HEADERS.has(lower) || lower.startsWith("x-herald-")) return "is set by Herald and cannot be overridden";
  return undefined;
}

/** `signature_header`: a header name that is not reserved, except Herald's own default. */
export const signatureHeaderField = () =>
  headerNameField().superRefine((name, ctx) => {
    const reason = name.toLowerCase() === DEFAULT_SIGNATURE_HEADER.toLowerCase() ? undefined : reservedHeaderReason(name);
    if (reason) ctx.addIssue({ code: "custom", message: `"${name}" ${reason}` });
  });

/** A header value: visible ASCII and spaces only, so no header can be injected. */
export const headerValueField = () =>
  z.string().regex(/^[\t\x20-\x7e]*$/, "header values may hold only printable ASCII (no line breaks)");
