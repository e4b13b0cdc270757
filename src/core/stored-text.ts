// Text that is looked up or compared as stored (idempotency keys, filter names) must survive
// both backends unchanged. PostgreSQL's text cannot hold NUL, and both drivers write an
// unpaired surrogate as U+FFFD, which would make two different keys one (and the second
// event a silent duplicate).

import { createHash } from "node:crypto";

const CONTROL = "\\u0000-\\u001f\\u007f";
const UNSTORABLE = new RegExp(`[${CONTROL}]|[\\uD800-\\uDBFF](?![\\uDC00-\\uDFFF])|(?<![\\uD800-\\uDBFF])[\\uDC00-\\uDFFF]`);

/**
 * The same rule as a whole-string pattern, for schemas: it reaches the OpenAPI document,
 * which a refinement would not. No lookbehind, so any JSON Schema validator can run it.
 */
export const STORABLE_TEXT = new RegExp(`^(?:[^${CONTROL}\\uD800-\\uDFFF]|[\\uD800-\\uDBFF][\\uDC00-\\uDFFF])*$`);

/** The rule a publisher's `id` and the listings' name filters are held to. */
export const STORABLE_TEXT_RULE = "must not hold control characters (NUL, newlines, ...) or unpaired surrogates";


/** A publisher's `id` may be this long; a provider's key past it is kept as its digest. */
export const MAX_KEY_CHARS = 200;

/**
 * A key taken from a provider's body or headers, which Herald cannot refuse without the
 * provider retrying forever: backslashes and what cannot be stored become \uXXXX, so distinct
 * inputs stay distinct keys. One longer than MAX_KEY_CHARS (a body field may be megabytes, and
 * PostgreSQL's unique index takes at most 2,704 bytes) becomes `\h` and its SHA-256, which no
 * escaped key can begin with: every `\` of one starts `\u`.
 */
export function keepableKey(text: string): string {
  const escaped = text.replace(new RegExp(`\\\\|${UNSTORABLE.source}`, "g"), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
  return escaped.length <= MAX_KEY_CHARS ? escaped : `\\h${createHash("sha256").update(escaped).digest("hex")}`;
}
