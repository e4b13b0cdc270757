// `herald check` on match operators: shown as conditions (and as configured with --json), and
// a mistake in one is exit 1 with the key path on stderr.
import { describe, expect, test } from "bun:test";
import { runHerald, writeConfig } from "../helpers/daemon.ts";

const withMatch = (match: string) =>
  writeConfig(`[storage]\npath = "{{db}}"\n[[destinations]]\nname = "x"\nurl = "https://x.example.com/h"\n[[routes]]\nname = "expensive"\nevents = ["completed"]\nmatch = ${match}\nto = ["x"]\n`);

describe("herald check: match operators", () => {
  const config = withMatch(`{ "data.credits_used" = { gt = 100 }, "data.status" = { not = "success" }, "data.url" = { prefix = "https://", regex = '\\.pdf$' } }`);

  test("each operator is printed as a condition", async () => {
    const { code, stdout, stderr } = await runHerald(["check", "--config", config.path]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toContain('data.credits_used > 100 and data.status not in [success] and data.url starts with "https://" and data.url ~ /\\.pdf$/');
  });

  test("--json gives the operators as configured", async () => {
    const { code, stdout } = await runHerald(["check", "--json", "--config", config.path]);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).routes[0].match).toEqual([
      { path: "data.credits_used", operators: { gt: 100 } },
      { path: "data.status", operators: { not: ["success"] } },
      { path: "data.url", operators: { prefix: "https://", regex: "\\.pdf$" } },
    ]);
  });

  test("an unknown operator and a bad regex: exit 1, each named by its key", async () => {
    const bad = withMatch(`{ "data.credits_used" = { gte_ = 100 }, "data.url" = { regex = "[a-" } }`);
    expect(await runHerald(["check", "--config", bad.path])).toEqual({
      code: 1,
      stdout: "",
      stderr:
        'routes[0].match."data.credits_used": unknown operator "gte_"; did you mean "gte"?\n' +
        'routes[0].match."data.url": regex "[a-" is not valid: missing closing ]: `[a-` (RE2 syntax: no lookaround or backreferences)\n',
    });
  });
});
