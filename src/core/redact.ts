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
    if (secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  return out;
}
