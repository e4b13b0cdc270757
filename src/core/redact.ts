// Webhook URLs are credentials (a Discord or Slack URL is enough to post to the channel), so
// anything shown to a person keeps only the scheme, the host and the first path segment.

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    const firstSegment = parsed.pathname.split("/").filter(Boolean)[0];
    const rest = parsed.pathname.split("/").filter(Boolean).length > 1 || parsed.search ? "/***" : "";
    return `${parsed.protocol}//${parsed.host}${firstSegment ? `/${firstSegment}` : ""}${rest}`;
  } catch {
    return "[invalid url]";
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
 * The strings of a webhook URL that must never be shown: the URL itself, and its long path
 * segments and query (a Discord or Slack token may appear alone in an answer or an error).
 */
export function urlCredentials(url: string): string[] {
  try {
    const parsed = new URL(url);
    const segments = parsed.pathname.split("/").filter(looksLikeToken);
    return [url, ...segments, ...(parsed.search.length >= 16 ? [parsed.search.slice(1)] : [])];
  } catch {
    return [url];
  }
}

/** Long and mixing letter cases or digits, as generated tokens do (words like "channel_not_found" do not). */
function looksLikeToken(segment: string): boolean {
  if (segment.length < 16) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((pattern) => pattern.test(segment)).length;
  return classes >= 2;
}

/**
 * Everything about a destination that must never be shown: its URL's credentials, its signing
 * secrets, and header values that carry credentials (Authorization, X-Api-Key, ...).
 */
export function destinationCredentials(destination: { url: string; secrets: readonly string[]; headers: Record<string, string> }): string[] {
  const headerValues = Object.entries(destination.headers)
    .filter(([name]) => /authorization|token|key|secret|password|cookie|signature/i.test(name))
    .flatMap(([, value]) => [value, ...value.split(/\s+/).filter((part) => part.length >= 8)]);
  return [...urlCredentials(destination.url), ...destination.secrets, ...headerValues];
}
