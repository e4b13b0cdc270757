// Loading the config: locate the file, parse TOML, expand ${VAR}, validate with zod, resolve.
// `herald check`, `herald serve` and SIGHUP reloads all come through loadConfig().

import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parse as parseToml, TomlError } from "smol-toml";
import type { z } from "zod";
import { expandEnv, type EnvProblem } from "./env.ts";
import { errorMessage } from "../core/errors.ts";
import { formatKeyPath } from "../core/key-path.ts";
import { resolveConfig } from "./resolve.ts";
import type { ConfigProblem, ConfigResult } from "./runtime.ts";
import { configIssueMessage, unknownKeyMessage } from "./issue-messages.ts";
import { configSchema } from "./schema.ts";

/** Where a config file may be, in the order they are consulted (contract §1). */
interface ConfigPlace {
  label: string;
  /** Absolute path; undefined when this place was not given (no flag, variable unset). */
  path: string | undefined;
  missing: string;
  /** A flag or variable the user set: used alone, even when its file is missing. */
  given: boolean;
}

export type ConfigLocation = { ok: true; path: string } | { ok: false; problems: ConfigProblem[] };

/**
 * --config, else $HERALD_CONFIG, else ./herald.toml, else /etc/herald/herald.toml. A place
 * that is given is used alone: a missing --config never falls back to some other file. When
 * nothing is found, the problem lists every place consulted, with absolute paths, and how to
 * start, since "file not found" for the last fallback alone says nothing about the others.
 */
export function locateConfig(flag: string | undefined, env: Record<string, string | undefined>, cwd = process.cwd()): ConfigLocation {
  const places: ConfigPlace[] = [
    { label: "--config", path: flag ? resolve(cwd, flag) : undefined, missing: "not given", given: true },
    { label: "$HERALD_CONFIG", path: env.HERALD_CONFIG ? resolve(cwd, env.HERALD_CONFIG) : undefined, missing: "not set", given: true },
    { label: "./herald.toml", path: resolve(cwd, "herald.toml"), missing: "", given: false },
    { label: "/etc/herald/herald.toml", path: "/etc/herald/herald.toml", missing: "", given: false },
  ];
  const width = Math.max(...places.map((place) => place.label.length));
  const tried: string[] = [];
  for (const place of places) {
    const line = (status: string) => tried.push(`  ${place.label.padEnd(width)}  ${status}`);
    if (place.path === undefined) {
      line(place.missing);
      continue;
    }
    if (existsSync(place.path)) return { ok: true, path: place.path };
    line(place.path === place.label ? "file not found" : `${place.path}: file not found`);
    if (place.given) {
      tried.push(`  (a given ${place.label} is used alone)`);
      break;
    }
  }
  const message = ["no config file found; tried, in order:", ...tried, "To start from the example: herald check --config config.example.toml"].join("\n");
  return { ok: false, problems: [{ path: "(config)", message }] };
}

export function loadConfig(path: string, env: Record<string, string | undefined>): ConfigResult {
  const read = readConfigText(path);
  return read.ok ? parseConfigText(read.text, path, env) : read;
}

/** The file's text, or the one problem that says why it cannot be read (with its absolute path). */
export function readConfigText(path: string): { ok: true; text: string } | { ok: false; problems: ConfigProblem[] } {
  try {
    return { ok: true, text: readFileSync(path, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : code === "EISDIR" ? "it is a folder, not a file" : errorMessage(error);
    return { ok: false, problems: [{ path: "(config)", message: `cannot read ${resolve(path)}: ${why}` }] };
  }
}

export function parseConfigText(text: string, sourcePath: string, env: Record<string, string | undefined>): ConfigResult {
  const toml = parseTomlText(text);
  if (!toml.ok) return toml;
  const raw = toml.raw;

  // A missing variable expands to "", so the other stages still run and every problem is
  // reported in one pass; their complaints about the same key would only repeat it.
  const envProblems: EnvProblem[] = [];
  const expanded = expandEnv(raw, env, envProblems);
  const problems: ConfigProblem[] = envProblems.map((p) => ({ path: formatKeyPath(p.path), message: p.message }));
  const merge = (more: ConfigProblem[]): ConfigResult => {
    const taken = new Set(problems.map((p) => p.path));
    return { ok: false, problems: [...problems, ...more.filter((p) => !taken.has(p.path))] };
  };

  const parsed = configSchema.safeParse(expanded, { error: configIssueMessage });
  if (!parsed.success) {
    return merge(issueProblems(parsed.error.issues));
  }
  const resolved = resolveConfig(parsed.data, sourcePath);
  if (!resolved.ok) return merge(resolved.problems);
  return problems.length > 0 ? merge([]) : resolved;
}

export function parseTomlText(text: string): { ok: true; raw: unknown } | { ok: false; problems: ConfigProblem[] } {
  try {
    return { ok: true, raw: parseToml(text) };
  } catch (error) {
    const message = error instanceof TomlError ? `TOML syntax error at line ${error.line}, column ${error.column}: ${error.message.split("\n")[0]}` : String(error);
    return { ok: false, problems: [{ path: "(config)", message }] };
  }
}

/** zod's issues as config problems, each naming its key path. */
export function issueProblems(issues: readonly z.core.$ZodIssue[]): ConfigProblem[] {
  return issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatKeyPath([...issue.path, key]), message: unknownKeyMessage(configSchema, issue.path, key) }))
      : [{ path: formatKeyPath(issue.path), message: issue.message }],
  );
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}
