// Flags of one command line, checked against what that command takes. Each mistake is one
// precise line in Herald's words (`deliveries does not take --bogus`, `--status needs a value`)
// rather than the runtime's paragraph, so it stays readable above the `see ... --help` hint.

import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../core/errors.ts";

type FlagValues<T extends ParseArgsOptionsConfig> = { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : T[K] extends { multiple: true } ? string[] : string };

export function parseCommandLine<T extends ParseArgsOptionsConfig>(
  command: string,
  args: string[],
  options: T,
  allowed: ReadonlyArray<keyof T>,
): { flags: FlagValues<T>; positionals: string[] } {
  // Not strict: strict mode's errors are the runtime's; the tokens let us word our own.
  const { values, positionals, tokens } = parseArgs({ args, options, strict: false, allowPositionals: true, tokens: true });
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const option = options[token.name];
    if (!option || !allowed.includes(token.name)) throw new UsageError(`${command} does not take ${token.rawName}`);
    if (option.type === "boolean" && token.value !== undefined) throw new UsageError(`${token.rawName} takes no value`);
    // `--status --json` would read "--json" as the status: as in strict mode, a value may not
    // start with a dash unless it is written inline (`--since=-2h`).
    if (option.type === "string" && (token.value === undefined || (!token.inlineValue && token.value.startsWith("-")))) {
      throw new UsageError(`${token.rawName} needs a value`);
    }
  }
  return { flags: values as FlagValues<T>, positionals };
}
