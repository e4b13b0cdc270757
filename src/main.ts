#!/usr/bin/env bun
// The `herald` command line: parse argv, load the config, run a command, map the outcome to an
// exit status (0 ok, 1 failure, 2 usage).

import { parseArgs } from "node:util";
import { describeConfig } from "./commands/describe-config.ts";
import { serve } from "./commands/serve.ts";
import { testDestination } from "./commands/test-destination.ts";
import { backupCommand, deliveriesCommand, deliveryCommand, retryCommand, type OperatorFlags } from "./commands/operator-cli.ts";
import { CommandError, ConfigError, ListenError, OwnershipError, StorageError, UsageError, errorMessage } from "./core/errors.ts";
import { formatProblems, loadConfig, locateConfig } from "./config/load.ts";
import type { RuntimeConfig } from "./config/runtime.ts";
import { VERSION } from "./version.ts";

const USAGE = `usage: herald <command> [--config PATH]

commands:
  serve                         run the ingress and the delivery scheduler
  check                         validate the config and print the routes and destinations it would use
  deliveries [--status S] [--destination D] [--event E] [--limit N] [--cursor C] [--json]
                                list deliveries, newest first
  delivery ID [--json]          one delivery with every attempt and what the receiver answered
  retry ID... | retry --status failed|expired|cancelled [--since 2h] [--destination D] [--json]
                                send deliveries again with a fresh attempt budget
  test DESTINATION [--event E]  send one sample event (default "completed") to a configured destination
  backup PATH                   write a consistent copy of the database to PATH, even while serve runs
  version                       print the version

The config is --config, else $HERALD_CONFIG, else ./herald.toml, else /etc/herald/herald.toml.`;

const FLAG_OPTIONS = {
  config: { type: "string" },
  help: { type: "boolean", short: "h" },
  event: { type: "string" },
  status: { type: "string" },
  destination: { type: "string" },
  limit: { type: "string" },
  cursor: { type: "string" },
  since: { type: "string" },
  json: { type: "boolean" },
} as const;

/** The flags each command reads beyond --config and --help; any other is a usage error, not silently ignored. */
const COMMAND_FLAGS: Record<string, ReadonlyArray<keyof typeof FLAG_OPTIONS>> = {
  deliveries: ["status", "destination", "event", "limit", "cursor", "json"],
  delivery: ["json"],
  retry: ["status", "since", "destination", "json"],
  test: ["event"],
};

interface Flags extends OperatorFlags {
  config?: string;
  help?: boolean;
}

export async function main(argv: string[], env: Record<string, string | undefined>): Promise<number> {
  const [command, ...rest] = argv;
  let flags: Flags;
  let positionals: string[];
  try {
    ({ values: flags, positionals } = parseArgs({ args: rest, options: FLAG_OPTIONS, strict: true, allowPositionals: true }));
  } catch (error) {
    throw new UsageError(errorMessage(error));
  }
  const allowed = new Set<string>(["config", "help", ...(COMMAND_FLAGS[command ?? ""] ?? [])]);
  const stray = Object.keys(flags).find((name) => !allowed.has(name));
  if (stray && command !== undefined) throw new UsageError(`${command} does not take --${stray}`);
  const noPositionals = () => {
    if (positionals.length > 0) throw new UsageError(`${command} takes no argument "${positionals[0]}"`);
  };
  const config = () => {
    const result = loadConfig(locateConfig(flags.config, env), env);
    if (!result.ok) throw new ConfigError(result.problems);
    return result.config;
  };

  switch (command) {
    case "version":
      console.log(`herald ${VERSION}`);
      return 0;
    case "check": {
      noPositionals();
      console.log(describeConfig(config()));
      return 0;
    }
    case "serve": {
      noPositionals();
      const loaded: RuntimeConfig = config();
      return serve(loaded, env);
    }
    case "deliveries":
      noPositionals();
      return deliveriesCommand(config(), flags);
    case "delivery":
      if (positionals.length !== 1) throw new UsageError("delivery takes one delivery id: herald delivery ID [--json]");
      return deliveryCommand(config(), positionals[0]!, flags);
    case "retry":
      return retryCommand(config(), positionals, flags);
    case "backup":
      if (positionals.length !== 1) throw new UsageError("backup takes the path of the copy: herald backup /var/backups/herald.db");
      return backupCommand(config(), positionals[0]!);
    case "test": {
      if (positionals.length !== 1) throw new UsageError("test takes one destination name: herald test DESTINATION [--event completed]");
      return testDestination(config(), { destination: positionals[0]!, event: flags.event ?? "completed" });
    }
    case undefined:
    case "help":
    case "--help":
    case "-h":
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

if (import.meta.main) {
  main(process.argv.slice(2), process.env).then(
    (code) => process.exit(code),
    (error) => {
      if (error instanceof UsageError) {
        console.error(`herald: ${error.message}\n\n${USAGE}`);
        process.exit(2);
      }
      if (error instanceof ConfigError) {
        console.error(formatProblems(error.problems));
        process.exit(1);
      }
      if (error instanceof StorageError || error instanceof OwnershipError || error instanceof ListenError || error instanceof CommandError) {
        console.error(`herald: ${error.message}`);
        process.exit(1);
      }
      console.error(`herald: unexpected error: ${errorMessage(error)}`);
      process.exit(1);
    },
  );
}
