import { describe, expect, test } from "bun:test";
import { resolve } from "node:path";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";

function problems(toml: string, env: Record<string, string> = {}): string[] {
  const result = parseConfigText(toml, "herald.toml", env);
  if (result.ok) throw new Error("expected the config to be invalid");
  return formatProblems(result.problems).split("\n");
}

describe("config defaults", () => {
  test("an empty file gives the documented defaults", () => {
    const result = parseConfigText("", "herald.toml", {});
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const { config } = result;
    expect(config.server).toEqual({ host: "127.0.0.1", port: 8787, maxBodyBytes: 1_048_576, shutdownGraceMs: 10_000 });
    // Relative to the config file's folder, here the working directory's "herald.toml".
    expect(config.storage).toEqual({ path: resolve("data/herald.db"), synchronous: "full" });
    expect(config.defaults).toEqual({
      timeoutMs: 5_000,
      maxAttempts: 5,
      backoffMs: [30_000, 300_000, 3_600_000, 21_600_000],
      jitter: 0.2,
      maxAgeMs: 86_400_000,
      concurrency: 16,
      retentionMs: 604_800_000,
      disableAfterFailures: 0,
    });
    expect(config.security).toEqual({ allowHttp: false, allowPrivateNetworks: false, allowedHosts: [] });
  });

  test("a destination inherits [delivery] and overrides single keys", () => {
    const result = parseConfigText(
      `[delivery]\ntimeout = "2s"\n[[destinations]]\nname = "b"\nurl = "https://b.example.com/h"\nsecret = "x"\nmax_attempts = 8\n`,
      "herald.toml",
      {},
    );
    if (!result.ok) throw new Error(formatProblems(result.problems));
    const b = result.config.destinations.get("b")!;
    expect(b.policy.maxAttempts).toBe(8);
    expect(b.policy.timeoutMs).toBe(2_000);
    expect(b.signature).toBe("sha256");
    expect(b.type).toBe("custom");
  });

  test("types are detected from the URL; discordapp.com is rewritten", () => {
    const result = parseConfigText(
      `[[destinations]]\nname = "d"\nurl = "https://discordapp.com/api/webhooks/1/abc"\n[[destinations]]\nname = "s"\nurl = "https://hooks.slack.com/services/T/B/X"\n`,
      "herald.toml",
      {},
    );
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.config.destinations.get("d")).toMatchObject({ type: "discord", url: "https://discord.com/api/webhooks/1/abc" });
    expect(result.config.destinations.get("s")!.type).toBe("slack");
  });

  test("${VAR} expands from the environment; $${ is a literal", () => {
    const result = parseConfigText(`[[destinations]]\nname = "d"\nurl = "\${HOOK}"\nheaders = { "X-Note" = "$\${literal}" }\n`, "herald.toml", { HOOK: "https://x.example.com/h" });
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.config.destinations.get("d")!.url).toBe("https://x.example.com/h");
    expect(result.config.destinations.get("d")!.headers["X-Note"]).toBe("${literal}");
  });
});

describe("config errors name their key path", () => {
  test("unknown keys, at any depth", () => {
    expect(problems(`[server]\nlisten = "127.0.0.1:1"\nlistn = "x"\n`)).toEqual(["server.listn: unknown key (did you mean listen?)"]);
    expect(problems(`[[destinations]]\nname = "a"\nurl = "https://a.example.com"\nsecrt = "x"\n`)).toEqual(["destinations[0].secrt: unknown key (did you mean secret?)"]);
  });

  test("a missing environment variable is named", () => {
    expect(problems(`[auth]\npublish_tokens = ["\${HERALD_PUBLISH_TOKEN}"]\n`)).toContain("auth.publish_tokens[0]: environment variable HERALD_PUBLISH_TOKEN is not set");
  });

  test("bad values say what is wrong", () => {
    expect(problems(`[delivery]\ntimeout = "5 parsecs"\n`)).toEqual([`delivery.timeout: "5 parsecs" is not a duration (use e.g. "250ms", "5s", "10m", "2h", "7d")`]);
    expect(problems(`[server]\nlisten = "8787"\n`)[0]).toStartWith("server.listen: ");
    expect(problems(`[delivery]\nmax_attempts = 0\n`)[0]).toStartWith("delivery.max_attempts: ");
  });

  test("cross-key problems: unknown route targets, duplicate names, no auth off loopback", () => {
    const found = problems(`
[server]
listen = "0.0.0.0:8787"
[[destinations]]
name = "a"
url = "https://a.example.com/h"
[[destinations]]
name = "a"
url = "https://b.example.com/h"
[[routes]]
name = "r"
events = ["*"]
to = ["a", "nope"]
`);
    expect(found).toContain(`destinations[1].name: "a" is already used by another destination`);
    expect(found).toContain(`routes[0].to[1]: unknown destination "nope"`);
    expect(found.some((line) => line.startsWith("auth.publish_tokens: is empty"))).toBe(true);
  });

  test("https is required unless allow_http; private addresses are refused", () => {
    expect(problems(`[[destinations]]\nname = "a"\nurl = "http://a.example.com/h"\n`)).toEqual(["destinations[0].url: must use https (set security.allow_http = true to allow http)"]);
    expect(problems(`[[destinations]]\nname = "a"\nurl = "https://169.254.169.254/latest"\n`)[0]).toContain("link-local (cloud metadata)");
  });

  test("signing mistakes: a scheme without a secret, a secret on discord, Herald's own headers", () => {
    expect(problems(`[[destinations]]\nname = "a"\nurl = "https://a.example.com"\nsignature = "standard"\n`)).toEqual([`destinations[0].signature: "standard" needs a secret`]);
    expect(problems(`[[destinations]]\nname = "d"\nurl = "https://discord.com/api/webhooks/1/x"\nsecret = "s"\n`)[0]).toStartWith("destinations[0].secret: discord destinations are not signed");
    expect(problems(`[[destinations]]\nname = "a"\nurl = "https://a.example.com"\nheaders = { "X-Herald-Delivery" = "x" }\n`)).toEqual([`destinations[0].headers."X-Herald-Delivery": is set by Herald and cannot be overridden`]);
  });

  test("signature_header and headers may not name framing, hop-by-hop or Herald's own headers", () => {
    const dest = (extra: string) => `[[destinations]]\nname = "a"\nurl = "https://a.example.com"\nsecret = "s"\n${extra}\n`;
    expect(problems(dest(`signature_header = "Host"`))).toEqual([`destinations[0].signature_header: "Host" is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here`]);
    expect(problems(dest(`signature_header = "webhook-signature"`))).toEqual([`destinations[0].signature_header: "webhook-signature" is set by Herald and cannot be overridden`]);
    expect(problems(dest(`headers = { "Transfer-Encoding" = "chunked", "Proxy-Authorization" = "x", "TE" = "trailers" }`))).toEqual([
      `destinations[0].headers."Transfer-Encoding": is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here`,
      `destinations[0].headers."Proxy-Authorization": is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here`,
      `destinations[0].headers."TE": is a hop-by-hop or framing header, set by the HTTP client; it cannot be set here`,
    ]);
    expect(problems(dest(`signature_header = "Authorization"\nheaders = { "authorization" = "Bearer x" }`))).toEqual([
      `destinations[0].signature_header: "Authorization" is also set in headers."authorization"; the signature would overwrite it`,
    ]);
  });

  test("header injection through config headers is refused", () => {
    expect(problems(`[[destinations]]\nname = "a"\nurl = "https://a.example.com"\nheaders = { "X-A" = "v\\r\\nX-Evil: 1" }\n`)[0]).toContain("no line breaks");
  });

  test("no error repeats a secret or a webhook URL", () => {
    const url = "https://discord.com/api/webhooks/123/SECRET-TOKEN";
    const found = problems(`[[destinations]]\nname = "d"\nurl = "\${HOOK}"\nsecret = "\${S}"\ntimeout = "nope"\n`, { HOOK: url, S: "TOPSECRET" }).join("\n");
    expect(found).not.toContain("SECRET-TOKEN");
    expect(found).not.toContain("TOPSECRET");
  });

  test("TOML syntax errors give the line", () => {
    expect(problems(`[server\nlisten = 1`)[0]).toMatch(/^\(config\): TOML syntax error at line 1/);
  });
});

describe("[[sources]]", () => {
  test("each mistake is named by its key path, and no message repeats a secret", () => {
    const found = problems(`
[server]
listen = "0.0.0.0:8787"
[auth]
publish_tokens = ["publish-token-0123456789"]
[[sources]]
name = "a"
path = "/v1/events"
verify = "sha256"
event = "x"
[[sources]]
name = "b"
path = "/in/b"
verify = "none"
[[sources]]
name = "c"
path = "/in/c"
verify = "timestamped"
secret = "provider-secret-value"
event_field = "event"
event_header = "X-Event"
id_from = ["header:", "event"]
[[destinations]]
name = "d"
url = "https://example.com/hook"
[[routes]]
name = "r"
events = ["*"]
sources = ["nope"]
to = ["d"]
`);
    expect(found).toEqual([
      'sources[0].path: "/v1/events" is one of Herald\'s own paths',
      "sources[0].secret: verify = \"sha256\" needs the provider's secret (a string, or a list while rotating)",
      'sources[0].header: verify = "sha256" needs the name of the signature header (e.g. "X-Evomi-Signature")',
      'sources[1].verify: "none" accepts anyone\'s events; it is only allowed when server.listen is a loopback address, not 0.0.0.0',
      'sources[1].event: give a way to name events: event = "fixed-name", event_field = "event", event_header = "X-Event" or event_rules',
      'sources[2].header: verify = "timestamped" needs the name of the signature header (e.g. "X-Evomi-Signature")',
      "sources[2].event_field: give one of event_field, event_header or event_rules (event may be added as the fallback name)",
      'sources[2].id_from: "header:" is not "event", "header:Name" or a dotted body path',
      'routes[0].sources[0]: unknown source "nope"',
    ]);
    expect(found.join("\n")).not.toContain("provider-secret-value");
  });

  test("/openapi.json is one of Herald's own paths", () => {
    const found = problems(`
[[sources]]
name = "a"
path = "/openapi.json"
verify = "none"
event = "x"
`);
    expect(found).toEqual(['sources[0].path: "/openapi.json" is one of Herald\'s own paths']);
  });
});

describe("match operators", () => {
  const withMatch = (match: string) =>
    problems(`[[destinations]]\nname = "x"\nurl = "https://x.example.com/h"\n[[routes]]\nname = "r"\nevents = ["*"]\nmatch = ${match}\nto = ["x"]\n`);

  test("an unknown operator is named with the key path and the one meant", () => {
    expect(withMatch(`{ "data.credits_used" = { gte_ = 100 } }`)).toEqual(['routes[0].match."data.credits_used": unknown operator "gte_"; did you mean "gte"?']);
    expect(withMatch(`{ "data.x" = { between = [1, 2] } }`)).toEqual([
      'routes[0].match."data.x": unknown operator "between"; use one of not, exists, gt, gte, lt, lte, prefix, regex',
    ]);
  });

  test("each operator's value is checked", () => {
    expect(withMatch(`{ "data.n" = { gt = "100" }, "data.e" = { exists = "yes" }, "data.p" = { prefix = 4 }, "data.s" = { not = [] }, "data.t" = {} }`)).toEqual([
      'routes[0].match."data.n": gt must be a number (write gt = 100, without quotes)',
      'routes[0].match."data.e": exists must be true or false',
      'routes[0].match."data.p": prefix must be a string that is not empty',
      'routes[0].match."data.s": not must be a string, a number, a boolean or a list of them',
      'routes[0].match."data.t": needs at least one operator (not, exists, gt, gte, lt, lte, prefix, regex)',
    ]);
    expect(withMatch(`{ "data.n" = { lt = nan } }`)).toEqual(['routes[0].match."data.n": lt must be a number']);
  });

  test("a regex is compiled at load: a bad or unsupported one is an error naming the key", () => {
    expect(withMatch(`{ "data.url" = { regex = "(a" } }`)).toEqual([
      'routes[0].match."data.url": regex "(a" is not valid: missing closing ): `(a` (RE2 syntax: no lookaround or backreferences)',
    ]);
    expect(withMatch(`{ "data.url" = { regex = "(?=x)" } }`)[0]).toContain("invalid or unsupported Perl syntax");
    expect(withMatch(`{ "data.url" = { regex = "${"a".repeat(1001)}" } }`)).toEqual(['routes[0].match."data.url": regex is 1001 characters; at most 1000 are allowed']);
  });

  test("sources' event_rules take the same operators", () => {
    const found = problems(`[[sources]]\nname = "s"\npath = "/in/s"\nverify = "none"\nevent_rules = [{ match = { "status" = { gte = 500 } }, event = "down" }, { match = { "status" = { gtee = 1 } }, event = "x" }]\n`);
    expect(found).toEqual(['sources[0].event_rules[1].match.status: unknown operator "gtee"; did you mean "gte"?']);
  });

  test("a value of the wrong shape says which shapes are accepted", () => {
    expect(withMatch(`{ "data.x" = [{ gt = 1 }] }`)[0]).toMatch(/^routes\[0\]\.match\."data\.x": must be a string, a number, a boolean, a list or a table/);
  });
});
