// What `herald check` says about a mistyped key or a wrong value: Herald's words, naming what
// the key wants, never zod's defaults ("Invalid input: expected string, received number").
import { describe, expect, test } from "bun:test";
import { stringify } from "smol-toml";
import { keysAt } from "../../src/config/issue-messages.ts";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";
import { configSchema } from "../../src/config/schema.ts";

function problems(toml: string): string[] {
  const result = parseConfigText(toml, "herald.toml", {});
  if (result.ok) throw new Error("expected the config to be invalid");
  return formatProblems(result.problems).split("\n");
}

const DESTINATION = `[[destinations]]\nname = "a"\nurl = "https://a.example.com/h"\n`;

describe("an unknown key suggests the one meant", () => {
  test("a misspelt key, at any depth", () => {
    expect(problems(`[delivery]\nmax_attempt = 3\n`)).toEqual(["delivery.max_attempt: unknown key (did you mean max_attempts?)"]);
    expect(problems(`${DESTINATION}secrt = "x"\n`)).toEqual(["destinations[0].secrt: unknown key (did you mean secret?)"]);
    expect(problems(`${DESTINATION}Signature_Header = "X-Sig"\n`)).toEqual(["destinations[0].Signature_Header: unknown key (did you mean signature_header?)"]);
    expect(problems(`[server]\ntimeuot = "5s"\nlisten = "127.0.0.1:1"\n`)).toEqual(["server.timeuot: unknown key"]);
  });

  test("a misspelt table", () => {
    expect(problems(`[[route]]\nname = "r"\n`)).toEqual(["route: unknown key (did you mean routes?)"]);
    expect(problems(`[deliverys]\ntimeout = "1s"\n`)).toEqual(["deliverys: unknown key (did you mean delivery?)"]);
  });

  test("a word far from every key gets no guess", () => {
    expect(problems(`[delivery]\ncolour = "red"\n`)).toEqual(["delivery.colour: unknown key"]);
  });
});

describe("a wrong value says what the key wants", () => {
  test.each([
    [`[delivery]\ntimeout = 5\n`, `delivery.timeout: must be a duration such as "5s"`],
    [`[delivery]\nmax_attempts = "3"\n`, "delivery.max_attempts: must be a whole number"],
    [`[delivery]\nmax_attempts = 2.5\n`, "delivery.max_attempts: must be a whole number"],
    [`[delivery]\nmax_attempts = 1000\n`, "delivery.max_attempts: must be at most 100"],
    [`[delivery]\njitter = -1\n`, "delivery.jitter: must be at least 0"],
    [`[delivery]\nbackoff = "5s"\n`, `delivery.backoff: must be a list of durations such as ["30s", "5m"]`],
    [`[server]\nmax_body = 1024\n`, `server.max_body: must be a size such as "1MiB"`],
    [`[server]\nlisten = 8787\n`, `server.listen: must be host:port such as "127.0.0.1:8787"`],
    [`${DESTINATION}signature = "sha1"\n`, "destinations[0].signature: must be one of sha256, timestamped, standard, none"],
    [`${DESTINATION}secret = 5\n`, "destinations[0].secret: must be a string or a list of strings"],
    [`${DESTINATION}ordered = "yes"\n`, "destinations[0].ordered: must be true or false"],
    [`${DESTINATION}rate_limit = 10\n`, `destinations[0].rate_limit: must be a rate such as "10/s"`],
    [`${DESTINATION}headers = 5\n`, "destinations[0].headers: must be a table"],
    [`${DESTINATION}username = "${"x".repeat(81)}"\n`, "destinations[0].username: must be at most 80 characters"],
    [`[[destinations]]\nurl = "https://a.example.com/h"\n`, "destinations[0].name: is required"],
    [`destinations = 5\n`, "destinations: must be a list of tables"],
    [`server = "x"\n`, "server: must be a table"],
    [`[log]\nlevel = "verbose"\n`, "log.level: must be one of debug, info, warn, error"],
  ])("%j", (toml, expected) => {
    expect(problems(toml)).toEqual([expected]);
  });
});

/** zod's own English, which must never reach a user. */
const ZOD_WORDING = /Invalid (input|option|string|number|key|value|element)|Too (big|small)|expected .+, received|Unrecognized key|must match pattern|^Required$/;

/** Every key path the schema knows; a list of tables is entered at [0]. */
function keyPaths(path: Array<string | number> = []): Array<Array<string | number>> {
  return keysAt(configSchema, path).flatMap((key) => {
    const at = [...path, key];
    const inTable = keysAt(configSchema, at).length > 0 ? keyPaths(at) : keysAt(configSchema, [...at, 0]).length > 0 ? keyPaths([...at, 0]) : [];
    return [at, ...inTable];
  });
}

function placed(path: Array<string | number>, value: unknown): Record<string, unknown> {
  let out: unknown = value;
  for (let i = path.length - 1; i >= 0; i--) {
    const key = path[i]!;
    out = typeof key === "number" ? [out] : { [key]: out };
  }
  return out as Record<string, unknown>;
}

const WRONG_VALUES: unknown[] = [12345, 2.5, -1, 1e12, "", "not a valid value ~", true, [], [1, 2], ["x".repeat(300)], { x: 1 }, { "bad key": [{}] }];

describe("no zod default message reaches a user", () => {
  test("a wrong value at every key of the schema is worded by Herald", () => {
    const paths = keyPaths();
    expect(paths.length).toBeGreaterThan(60);
    expect(paths).toContainEqual(["destinations", 0, "signature"]);
    const leaks: string[] = [];
    for (const path of paths) {
      for (const value of WRONG_VALUES) {
        const result = parseConfigText(stringify(placed(path, value)), "herald.toml", {});
        if (result.ok) continue;
        for (const p of result.problems) if (ZOD_WORDING.test(p.message) || p.message.trim() === "") leaks.push(`${p.path}: ${p.message}`);
      }
    }
    expect([...new Set(leaks)]).toEqual([]);
  });
});
