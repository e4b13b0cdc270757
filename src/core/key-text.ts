// Idempotency keys are compared as stored, so they must survive both backends unchanged.
// PostgreSQL's text cannot hold NUL, and both drivers write an unpaired surrogate as U+FFFD,
// which would make two different keys one (and the second event a silent duplicate).

const UNKEEPABLE = /[\u0000-\u001f\u007f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The rule a publisher's `id` is held to. */
export const KEY_TEXT_RULE = "must not hold control characters or unpaired surrogates";

export const isKeepableKey = (text: string) => !UNKEEPABLE.test(text);

/**
 * A key taken from a provider's body or headers, which Herald cannot refuse without the
 * provider retrying forever: backslashes and what cannot be kept become \uXXXX, so distinct
 * inputs stay distinct keys.
 */
export function keepableKey(text: string): string {
  return text.replace(new RegExp(`\\\\|${UNKEEPABLE.source}`, "g"), (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}
