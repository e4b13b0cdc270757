// A usage error is the one line that says what is wrong and where the full usage is, exit 2:
// never the whole command list, which would push the useful line off the screen.
import { describe, expect, test } from "bun:test";
import { runHerald } from "../helpers/daemon.ts";

/** Each mistake and exactly what stderr says about it. */
const CASES: Array<[string[], string]> = [
  [["deliveries", "--bogus"], "deliveries does not take --bogus\nsee 'herald deliveries --help'"],
  [["deliveries", "--status"], "--status needs a value\nsee 'herald deliveries --help'"],
  [["deliveries", "--status", "--json"], "--status needs a value\nsee 'herald deliveries --help'"],
  [["delivery", "dlv_x", "--json=yes"], "--json takes no value\nsee 'herald delivery --help'"],
  [["retry", "-x"], "retry does not take -x\nsee 'herald retry --help'"],
  [["check", "extra"], 'check takes no argument "extra"\nsee \'herald check --help\''],
  [["check", "--status", "failed"], "check does not take --status\nsee 'herald check --help'"],
  [["test"], "test takes one destination name: herald test DESTINATION [--event completed]\nsee 'herald test --help'"],
  [["--version", "--bogus"], "version does not take --bogus\nsee 'herald version --help'"],
  [["frobnicate", "--bogus"], 'unknown command "frobnicate"\nsee \'herald --help\''],
  [["help", "a", "b"], "help takes at most one command name: herald help retry\nsee 'herald --help'"],
];

describe("usage errors", () => {
  test("print one precise line and the command's --help, exit 2, and nothing on stdout", async () => {
    const results = await Promise.all(CASES.map(([args]) => runHerald([...args, "--config", "config.example.toml"])));
    CASES.forEach(([args, message], i) => {
      expect({ args, ...results[i]! }).toEqual({ args, code: 2, stdout: "", stderr: `herald: ${message}\n` });
    });
  });

  test("the hint names a --help that exists", async () => {
    const help = await runHerald(["deliveries", "--help"]);
    expect(help).toMatchObject({ code: 0, stderr: "" });
    expect(help.stdout).toStartWith("usage: herald deliveries ");
  });
});
