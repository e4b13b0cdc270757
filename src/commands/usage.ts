// The usage texts of the `herald` command line: the general one and one per command, which
// `herald COMMAND --help` prints without doing anything else.

const CONFIG_NOTE = "The config is --config PATH, else $HERALD_CONFIG, else ./herald.toml, else /etc/herald/herald.toml.";

/** One entry per command: its synopsis line, a one-line summary, and what more to say. */
const COMMANDS: Record<string, { synopsis: string; summary: string; details?: string }> = {
  serve: {
    synopsis: "serve",
    summary: "run the ingress and the delivery scheduler",
    details: "Runs until SIGTERM or SIGINT (a graceful stop, exit 0); SIGHUP reloads the config.\nOnly one serve may own a database: a second one exits 1 and names the owner.",
  },
  check: {
    synopsis: "check [--json]",
    summary: "validate the config and print the routes and destinations it would use",
    details: "Sends nothing. Exit 1 with each problem on stderr as `key.path: message`.",
  },
  deliveries: {
    synopsis: "deliveries [--status S] [--destination D] [--event E] [--limit N] [--cursor C] [--json]",
    summary: "list deliveries, newest first",
  },
  delivery: {
    synopsis: "delivery ID [--json]",
    summary: "one delivery with every attempt and what the receiver answered",
  },
  retry: {
    synopsis: "retry ID... | retry --status failed|expired|cancelled [--since 2h] [--destination D] [--json]",
    summary: "send deliveries again with a fresh attempt budget",
  },
  cancel: {
    synopsis: "cancel ID... | cancel --status pending [--destination D] [--json]",
    summary: "cancel deliveries that have not finished; prints how many",
    details: "Pending deliveries become cancelled. One in flight finishes its attempt and is left alone\n(cancel it again if it goes back to pending). Ids not cancelled are named on stderr, with why.",
  },
  events: {
    synopsis: "events [--name N] [--source S] [--since T] [--until T] [--limit N] [--cursor C] [--json]",
    summary: "list stored events, newest first",
    details: 'T is an RFC 3339 time (2026-03-09T12:00:00Z) or a duration ago ("2h"): --since is inclusive, --until not.',
  },
  replay: {
    synopsis: "replay ID... [--destination D]... | replay --name N|--source S|--since T|--until T [--limit N] [--cursor C] [--destination D]... [--json]",
    summary: "send stored events again, as new deliveries",
    details:
      "To each --destination given (one configured later too), else to every destination the current routes match.\nBy filter: at most --limit events a call (default 100, at most 1000), newest first; --cursor continues.\nInline webhooks are not replayed: retry their deliveries. Ids not replayed are named on stderr.",
  },
  pause: {
    synopsis: "pause DESTINATION [--json]",
    summary: "hold a destination: its deliveries wait (and still expire at max_age)",
    details: "A running serve notices within a second. Exit 1 if the config has no such destination.",
  },
  resume: {
    synopsis: "resume DESTINATION [--json]",
    summary: "let a paused or disabled destination go; its waiting deliveries are sent",
    details: "Also re-enables a destination Herald disabled (its webhook was gone, or it kept failing).\nOne paused by paused = true in the config stays paused (exit 1): remove the key and reload.",
  },
  destinations: {
    synopsis: "destinations [--json]",
    summary: "each configured destination's state (active, paused, disabled) and pending count",
  },
  test: {
    synopsis: "test DESTINATION [--event E] [--json]",
    summary: 'send one sample event (default "completed") to a configured destination',
    details: "Prints the status code, latency and answer. Exit 0 on a 2xx, 1 otherwise.",
  },
  backup: {
    synopsis: "backup PATH [--json]",
    summary: "write a consistent copy of the database to PATH, even while serve runs",
    details: "PATH must not exist yet (nor be a symbolic link); its folder must. The copy is readable by its owner only (0600).",
  },
  secret: {
    synopsis: "secret [--json]",
    summary: "print a new random Standard Webhooks secret (whsec_ + base64 of 32 random bytes)",
    details: "Reads no config.",
  },
  version: {
    synopsis: "version [--json]",
    summary: "print the version (also: herald --version)",
  },
};

export const COMMAND_NAMES: readonly string[] = Object.keys(COMMANDS);

export const USAGE = [
  "usage: herald <command> [--config PATH]",
  "",
  "commands:",
  ...Object.values(COMMANDS).map(({ synopsis, summary }) => (synopsis.length < 30 ? `  ${synopsis.padEnd(30)}${summary}` : `  ${synopsis}\n${" ".repeat(32)}${summary}`)),
  "",
  "herald <command> --help prints that command's usage and does nothing else.",
  CONFIG_NOTE,
].join("\n");

/** The usage of one command; undefined for a name that is not a command. */
export function commandUsage(name: string): string | undefined {
  const command = COMMANDS[name];
  if (!command) return undefined;
  const takesConfig = name !== "secret" && name !== "version";
  return [`usage: herald ${command.synopsis}`, "", `${command.summary[0]!.toUpperCase()}${command.summary.slice(1)}.`, ...(command.details ? [command.details] : []), ...(takesConfig ? ["", CONFIG_NOTE] : [])].join("\n");
}

/** The line under a usage error: where the full usage of that command (or of all) is. */
export function usageHint(command: string | undefined): string {
  return command !== undefined && COMMANDS[command] ? `see 'herald ${command} --help'` : "see 'herald --help'";
}
