// `[storage] url`, read once and the same way by the config check and the PostgreSQL client.
// The URL is parsed here and handed to the client as explicit options, so what Herald checked
// is what the client uses: postgres.js's own URL parsing splits the user part at the first
// `@` where the WHATWG parser takes the last, and passes any query option it does not know to
// the server as a session setting (`?statement_timeout=0` would undo Herald's). Messages never
// repeat the URL: it may hold a password.

/** The TLS modes the client implements; postgres.js would take others (verify-ca, allow) and not do what they say. */
export const SSL_MODES = ["disable", "prefer", "require", "verify-full"] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The query options Herald reads (docs/storage.md); any other is refused rather than passed on. */
export const URL_OPTIONS = ["sslmode", "sslrootcert", "search_path"] as const;

export interface StorageUrl {
  host: string;
  port: number;
  /** Empty: the client's default (the user's name). */
  database: string;
  /** Empty: the client's default (PGUSER, then the system user). */
  user: string;
  /** Empty: the client's default (PGPASSWORD). */
  password: string;
  /** libpq's default when the URL names none: TLS when the server offers it. */
  sslmode: SslMode;
  /** A CA file (PEM) that verify-full checks the server against, instead of the system's roots. */
  sslrootcert?: string;
  searchPath?: string;
}

export type ParsedStorageUrl = { ok: true; url: StorageUrl } | { ok: false; message: string };

const EXAMPLE = "postgres://user:password@host:5432/database";
const BAD_ESCAPE = "has a % that does not start a percent-encoded byte; write a % itself as %25";
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseStorageUrl(text: string): ParsedStorageUrl {
  const fail = (message: string): ParsedStorageUrl => ({ ok: false, message });
  if (text.includes("#")) return fail("has a #, which would end the URL there; write a # in the password as %23");
  const authority = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/([^/?]*)/.exec(text)?.[1];
  if (authority !== undefined && authority.split("@").length > 2) return fail("has more than one @ before the host; write an @ in the user or password as %40");
  let parsed: URL;
  try {
    parsed = new URL(text);
  } catch {
    return fail(`is not a URL; write it as "${EXAMPLE}" (a / ? or : in the password as %2F %3F %3A)`);
  }
  if (parsed.protocol !== "postgres:" && parsed.protocol !== "postgresql:") return fail(`must be a postgres:// or postgresql:// URL, not ${parsed.protocol}//`);
  if (!parsed.hostname) return fail(`names no host; write it as "${EXAMPLE}"`);
  if (parsed.hostname.includes(",")) return fail("names several hosts; Herald connects to one (put a proxy or a DNS name in front of a failover pair)");
  const decoded = decodeAll({ user: parsed.username, password: parsed.password, database: parsed.pathname.slice(1) });
  if (!decoded) return fail(BAD_ESCAPE);
  if (decoded.database.includes("/")) return fail("has a / in the database name; write it as %2F");
  // The startup message ends each string at a NUL: one in a name or an option would add a
  // server setting of the URL's choosing (synchronous_commit=off). A password may hold any
  // other character.
  if (decoded.password.includes("\u0000")) return fail("has a NUL (%00) in the password");
  if (CONTROL.test(decoded.user) || CONTROL.test(decoded.database)) return fail("has a control character (such as %00) in the user or database name");

  const options = new Map<string, string>();
  for (const pair of parsed.search.slice(1).split("&").filter(Boolean)) {
    // Read as a URL, not as form data: a + in a file name stays a +.
    const option = decodeAll({ key: pair.split("=", 1)[0]!, value: pair.slice(pair.indexOf("=") + 1 || pair.length) });
    if (!option) return fail(BAD_ESCAPE);
    const { key, value } = option;
    if (!(URL_OPTIONS as readonly string[]).includes(key)) return fail(`option ${JSON.stringify(key.slice(0, 32))} is not supported; the URL takes ${URL_OPTIONS.join(", ")}`);
    if (options.has(key)) return fail(`option ${key} is given twice`);
    if (CONTROL.test(value)) return fail(`option ${key} has a control character (such as %00)`);
    options.set(key, value);
  }
  const sslmode = options.get("sslmode") ?? "prefer";
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) return fail(`sslmode ${JSON.stringify(sslmode.slice(0, 32))} is not supported; use one of ${SSL_MODES.join(", ")}`);
  const sslrootcert = options.get("sslrootcert");
  if (sslrootcert !== undefined && sslmode !== "verify-full") return fail("sslrootcert needs sslmode=verify-full: only that mode checks the server's certificate");
  if (sslrootcert === "") return fail("sslrootcert is empty; give the path of a PEM file, or leave it out for the system's roots");
  const searchPath = options.get("search_path");
  if (searchPath === "") return fail("search_path is empty; name a schema, or leave it out for public");

  return {
    ok: true,
    url: {
      host: parsed.hostname.replace(/^\[(.*)\]$/, "$1"),
      port: parsed.port ? Number(parsed.port) : 5432,
      ...decoded,
      sslmode: sslmode as SslMode,
      // "system" is libpq's word for the default roots.
      ...(sslrootcert !== undefined && sslrootcert !== "system" ? { sslrootcert } : {}),
      ...(searchPath !== undefined ? { searchPath } : {}),
    },
  };
}

/** The server as messages name it (`db.internal:5432`, `[::1]:5432`): no user, password or options. */
export function serverOf(text: string): string {
  const parsed = parseStorageUrl(text);
  if (!parsed.ok) return "the PostgreSQL server";
  const { host, port } = parsed.url;
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}

function decodeAll<T extends Record<string, string>>(parts: T): T | undefined {
  try {
    return Object.fromEntries(Object.entries(parts).map(([key, value]) => [key, decodeURIComponent(value)])) as T;
  } catch {
    return undefined;
  }
}

/**
 * Where `${VAR}` references in a storage URL template fall inside the user part (user and
 * password), whose values are percent-encoded as they are put in: a password read from the
 * environment is the password itself, and an @ / : # or % in it must not change the URL's shape.
 * The user part ends at the template's last @ before the host, so a value cannot move it.
 */
export function userInfoRange(template: string): { start: number; end: number } | undefined {
  const start = template.indexOf("://") + 3;
  if (start < 3) return undefined;
  const rest = template.slice(start);
  const hostEnd = start + (rest.search(/[/?#]/) === -1 ? rest.length : rest.search(/[/?#]/));
  const at = template.lastIndexOf("@", hostEnd - 1);
  return at >= start ? { start, end: at } : undefined;
}
