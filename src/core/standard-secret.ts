// Standard Webhooks secrets: "whsec_" + base64 of the key bytes. The official libraries
// base64-decode whatever follows the prefix, so a secret of any other shape would sign with
// bytes no receiver's library can reproduce; Herald refuses it in the config instead.

const PREFIX = "whsec_";
/** The specification asks for 24 to 64 random bytes; fewer is a guessable key. */
const MIN_KEY_BYTES = 24;
/** Canonical base64 with padding, the form @stablelib/base64 (used by `standardwebhooks`) decodes. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

export const STANDARD_SECRET_RULE = `a Standard Webhooks secret must be "${PREFIX}" followed by base64 of at least ${MIN_KEY_BYTES} bytes; run \`herald secret\` to make one`;

/** The HMAC key of a well-formed secret, else undefined. */
export function standardSecretKey(secret: string): Uint8Array | undefined {
  if (!secret.startsWith(PREFIX)) return undefined;
  const encoded = secret.slice(PREFIX.length);
  if (!BASE64.test(encoded)) return undefined;
  const key = Uint8Array.from(atob(encoded), (ch) => ch.charCodeAt(0));
  return key.length >= MIN_KEY_BYTES ? key : undefined;
}

/**
 * Reports each malformed entry of a `secret` key (a string, or a list while rotating) under
 * `secret` or `secret[i]`. The message never repeats the value.
 */
export function checkStandardSecrets(value: string | readonly string[], problem: (key: string, message: string) => void): void {
  const list = typeof value === "string" ? [value] : value;
  list.forEach((secret, i) => {
    if (!standardSecretKey(secret)) problem(typeof value === "string" ? "secret" : `secret[${i}]`, STANDARD_SECRET_RULE);
  });
}
