// Webhook URLs are credentials (a Discord or Slack URL is enough to post to the channel), so
// anything shown to a person keeps only the scheme, the host and, when it is a plain word
// that platforms put before their tokens, the first path segment.

/**
 * First path segments shown as they are. Anything else may be the token itself (Telegram's
 * `/bot<token>/`, an ntfy topic, a path secret), so it is hidden with the rest.
 */
const HARMLESS_FIRST_SEGMENTS = new Set(["api", "services", "hooks", "hook", "webhooks", "webhook", "webhookb2", "v1", "v2"]);

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split("/").filter(Boolean);
    const shown = segments[0] !== undefined && HARMLESS_FIRST_SEGMENTS.has(segments[0]) ? `/${segments[0]}` : "";
    const hidden = segments.length > (shown ? 1 : 0) || parsed.search ? "/***" : "";
    return `${parsed.protocol}//${parsed.host}${shown}${hidden}`;
  } catch {
    return "[invalid url]";
  }
}

/**
 * A storage URL as it may be shown: scheme, user, host, port, database and options such as
 * sslmode, with the password (in the user part or a `password` option) replaced by ***.
 */
export function redactStorageUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "***";
    if (parsed.searchParams.has("password")) parsed.searchParams.set("password", "***");
    return parsed.href;
  } catch {
    return "[invalid url]";
  }
}

/** The strings of a storage URL that must never appear in a log or an error: the URL and its password. */
export function storageUrlCredentials(url: string): string[] {
  try {
    const parsed = new URL(url);
    const passwords = [parsed.password, parsed.searchParams.get("password") ?? ""].filter(Boolean);
    // Without a password the URL is what redactStorageUrl shows: cutting it out of the logs
    // would hide the very line that says which database a node uses.
    if (passwords.length === 0) return [];
    return [url, ...passwords, ...passwords.map(decoded)];
  } catch {
    return [url];
  }
}

/** Replaces every occurrence of the given secret strings in a text (error messages, bodies). */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    // Most texts hold no secret: looking costs less than splitting every text by every secret.
    if (secret.length >= 4 && out.includes(secret)) out = out.split(secret).join("[redacted]");
  }
  return out;
}

/**
 * The strings of a webhook URL that must never be shown: the URL itself, every path segment
 * that is not a plain platform word, and every query value. A receiver may echo any of them
 * ("path was /hooks/<token>"), and nothing tells a Mattermost token or a custom path secret
 * from a harmless word, so only the platform words stay readable.
 */
export function urlCredentials(url: string): string[] {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split("/").filter((segment) => segment !== "" && !HARMLESS_FIRST_SEGMENTS.has(segment));
    const values = [...parsed.searchParams.values()];
    const raw = [...segments, ...(parsed.search.length > 1 ? [parsed.search.slice(1)] : [])];
    return [url, ...new Set([...raw, ...raw.map(decoded), ...values].filter(Boolean))];
  } catch {
    return [url];
  }
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/**
 * Everything about a destination that must never be shown: its URL's credentials, its signing
 * secrets, and header values that carry credentials (Authorization, X-Api-Key, ...).
 */
export function destinationCredentials(destination: CredentialSource): readonly string[] {
  // Computed once per destination object: every attempt scrubs its answer with them, and a
  // configured destination is the same object until a reload replaces it.
  let known = credentialsOf.get(destination);
  if (!known) credentialsOf.set(destination, (known = Object.freeze(credentialsFrom(destination))));
  return known;
}

type CredentialSource = { url: string; secrets: readonly string[]; headers: Record<string, string>; credentials?: readonly string[] };
const credentialsOf = new WeakMap<CredentialSource, readonly string[]>();

function credentialsFrom(destination: CredentialSource): string[] {
  const headerValues = Object.entries(destination.headers)
    .filter(([name]) => /authorization|token|key|secret|password|cookie|signature/i.test(name))
    .flatMap(([, value]) => [value, ...value.split(/\s+/).filter((part) => part.length >= 8)]);
  return [...urlCredentials(destination.url), ...destination.secrets, ...headerValues, ...(destination.credentials ?? [])];
}
