#!/usr/bin/env bun
// The `herald` command line: parse argv, load the config, run a command, map the outcome to an
// exit status (0 ok, 1 failure, 2 usage).

import { parseCommandLine } from "./commands/argv.ts";
import { configView } from "./commands/config-view.ts";
import { describeConfig } from "./commands/describe-config.ts";
import { serve } from "./commands/serve.ts";
import { testDestination } from "./commands/test-destination.ts";
import { backupCommand, cancelCommand, deliveriesCommand, deliveryCommand, retryCommand, type OperatorFlags } from "./commands/operator-cli.ts";
import { eventsCommand, replayCommand } from "./commands/events-cli.ts";
import { StorageFault } from "./outbox/errors.ts";
import { destinationsCommand, pauseCommand, resumeCommand } from "./commands/destinations-cli.ts";
import { CommandError, ConfigError, ListenError, OwnershipError, StorageError, UsageError, errorMessage } from "./core/errors.ts";
import { formatProblems, loadConfig, locateConfig } from "./config/load.ts";
import { loadOutboxConfig } from "./config/outbox-config.ts";
import { peekPendingByDestination } from "./outbox/open-storage.ts";
import type { RuntimeConfig } from "./config/runtime.ts";
import { newStandardSecret } from "./commands/secret.ts";
import { USAGE, commandUsage, usageHint } from "./commands/usage.ts";
import { VERSION } from "./version.ts";

const FLAG_OPTIONS = {
  config: { type: "string" },
  event: { type: "string" },
  status: { type: "string" },
  // Repeatable for replay; the other commands take one (oneDestination()).
  destination: { type: "string", multiple: true },
  name: { type: "string" },
  source: { type: "string" },
  until: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  since: { type: "string" },
  json: { type: "boolean" },
} as const;

/** The flags each command reads beyond --config (--help is handled before parsing); any other is a usage error, not silently ignored. */
const COMMAND_FLAGS: Record<string, ReadonlyArray<keyof typeof FLAG_OPTIONS>> = {
  check: ["json"],
  version: ["json"],
  secret: ["json"],
  deliveries: ["status", "destination", "event", "limit", "cursor", "json"],
  delivery: ["json"],
  retry: ["status", "since", "destination", "json"],
  cancel: ["status", "destination", "json"],
  test: ["event", "json"],
  backup: ["json"],
  pause: ["json"],
  resume: ["json"],
  destinations: ["json"],
  events: ["name", "source", "since", "until", "limit", "cursor", "json"],
  replay: ["destination", "name", "source", "since", "until", "limit", "cursor", "json"],
};

interface Flags extends Omit<OperatorFlags, "destination"> {
  config?: string;
  destination?: string[];
}

/**
 * `--help` or `-h` anywhere before a `--` asks for usage: it wins over every other flag and
 * argument, so `herald retry --help --status failed` prints and retries nothing.
 */
function asksForHelp(args: string[]): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some((arg) => arg === "--help" || arg === "-h");
}

/** Runs one command line; a usage error learns which command it is about, for its hint. */
export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  try {
    return await run(argv, env);
  } catch (error) {
    if (error instanceof UsageError) error.command ??= argv[0];
    throw error;
  }
}

async function run(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  if (command === "--version" || command === "-v") return main(["version", ...rest], env);
  if (command === "--help" || command === "-h") return main(["help", ...rest], env);
  if (command !== undefined && asksForHelp(rest)) {
    const usage = command === "help" ? USAGE : commandUsage(command);
    if (!usage) throw new UsageError(`unknown command "${command}"`);
    console.log(usage);
    return 0;
  }
  if (command === undefined) {
    console.log(USAGE);
    return 2;
  }
  if (command !== "help" && !commandUsage(command)) throw new UsageError(`unknown command "${command}"`);
  const { flags: parsed, positionals }: { flags: Flags; positionals: string[] } = parseCommandLine(command, rest, FLAG_OPTIONS, ["config", ...(COMMAND_FLAGS[command] ?? [])]);
  if (command !== "replay" && (parsed.destination?.length ?? 0) > 1) throw new UsageError("--destination may be given once here");
  const flags: OperatorFlags & { config?: string } = { ...parsed, destination: parsed.destination?.[0] };
  const noPositionals = () => {
    if (positionals.length > 0) throw new UsageError(`${command} takes no argument "${positionals[0]}"`);
  };
  const configPath = () => {
    const located = locateConfig(flags.config, env);
    if (!located.ok) throw new ConfigError(located.problems);
    return located.path;
  };
  const config = () => {
    const result = loadConfig(configPath(), env);
    if (!result.ok) throw new ConfigError(result.problems);
    return result.config;
  };
  // The outbox commands read only the keys they use (storage, destination names and max_age).
  const outboxConfig = () => {
    const result = loadOutboxConfig(configPath(), env);
    if (!result.ok) throw new ConfigError(result.problems);
    return result.config;
  };

  switch (command) {
    case "version":
      noPositionals();
      console.log(flags.json ? JSON.stringify({ version: VERSION }) : `herald ${VERSION}`);
      return 0;
    case "secret":
      noPositionals();
      console.log(flags.json ? JSON.stringify({ secret: newStandardSecret() }) : newStandardSecret());
      return 0;
    case "check": {
      noPositionals();
      const loaded = config();
      if (flags.json) {
        console.log(JSON.stringify(configView(loaded), null, 2));
        return 0;
      }
      const { pending, unreachable } = await peekPendingByDestination(loaded.storage);
      // The config is valid all the same: the note only says what check could not count.
      if (unreachable) console.error(`herald: ${unreachable}`);
      console.log(describeConfig(loaded, pending));
      return 0;
    }
    case "serve": {
      noPositionals();
      const loaded: RuntimeConfig = config();
      return serve(loaded, env);
    }
    case "deliveries":
      noPositionals();
      return deliveriesCommand(outboxConfig(), flags);
    case "delivery":
      if (positionals.length !== 1) throw new UsageError("delivery takes one delivery id: herald delivery ID [--json]");
      return deliveryCommand(outboxConfig(), positionals[0]!, flags);
    case "retry":
      return retryCommand(outboxConfig(), positionals, flags);
    case "cancel":
      return cancelCommand(outboxConfig(), positionals, flags);
    case "events":
      noPositionals();
      return eventsCommand(outboxConfig(), flags);
    case "replay":
      return replayCommand(outboxConfig(), positionals, parsed.destination ?? [], flags);
    case "backup":
      if (positionals.length !== 1) throw new UsageError("backup takes the path of the copy: herald backup /var/backups/herald.db");
      return backupCommand(outboxConfig(), positionals[0]!, flags);
    case "pause":
    case "resume": {
      if (positionals.length !== 1) throw new UsageError(`${command} takes one destination name: herald ${command} DESTINATION`);
      return (command === "pause" ? pauseCommand : resumeCommand)(outboxConfig(), positionals[0]!, flags);
    }
    case "destinations":
      noPositionals();
      return destinationsCommand(outboxConfig(), flags);
    case "test": {
      if (positionals.length !== 1) throw new UsageError("test takes one destination name: herald test DESTINATION [--event completed]");
      return testDestination(config(), { destination: positionals[0]!, event: flags.event ?? "completed", json: flags.json });
    }
    case "help":
      return helpCommand(positionals);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

/** `herald help` prints the general usage; `herald help COMMAND` that command's. */
function helpCommand(positionals: string[]): number {
  if (positionals.length > 1) throw new UsageError("help takes at most one command name: herald help retry");
  const name = positionals[0];
  const usage = name === undefined ? USAGE : commandUsage(name);
  if (!usage) throw new UsageError(`unknown command "${name}"`);
  console.log(usage);
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof UsageError) {
        console.error(`herald: ${error.message}\n${usageHint(error.command)}`);
        process.exit(2);
      }
      if (error instanceof ConfigError) {
        console.error(formatProblems(error.problems));
        process.exit(1);
      }
      // A StorageFault reaching here is storage refusing at start (a read-only server, say): the
      // operator's problem, named in Herald's words, not a bug.
      if (error instanceof StorageError || error instanceof StorageFault || error instanceof OwnershipError || error instanceof ListenError || error instanceof CommandError) {
        console.error(`herald: ${error.message}`);
        process.exit(1);
      }
      console.error(`herald: unexpected error: ${errorMessage(error)}`);
      process.exit(1);
    },
  );
}
