// Loading the config: locate the file, parse TOML, expand ${VAR}, validate with zod, resolve.
// `herald check`, `herald serve` and SIGHUP reloads all come through loadConfig().

import { existsSync, readFileSync } from "node:fs";
import { parse as parseToml, TomlError } from "smol-toml";
import { expandEnv, type EnvProblem } from "./env.ts";
import { formatKeyPath } from "../core/key-path.ts";
import { resolveConfig } from "./resolve.ts";
import type { ConfigProblem, ConfigResult } from "./runtime.ts";
import { configIssueMessage, unknownKeyMessage } from "./issue-messages.ts";
import { configSchema } from "./schema.ts";

/** --config, else $HERALD_CONFIG, else ./herald.toml, else /etc/herald/herald.toml. */
export function locateConfig(flag: string | undefined, env: Record<string, string | undefined>): string {
  if (flag) return flag;
  if (env.HERALD_CONFIG) return env.HERALD_CONFIG;
  return existsSync("herald.toml") ? "herald.toml" : "/etc/herald/herald.toml";
}

export function loadConfig(path: string, env: Record<string, string | undefined>): ConfigResult {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "file not found" : code === "EACCES" ? "permission denied" : String(error);
    return { ok: false, problems: [{ path: "(config)", message: `cannot read ${path}: ${why}` }] };
  }
  return parseConfigText(text, path, env);
}

export function parseConfigText(text: string, sourcePath: string, env: Record<string, string | undefined>): ConfigResult {
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (error) {
    const message = error instanceof TomlError ? `TOML syntax error at line ${error.line}, column ${error.column}: ${error.message.split("\n")[0]}` : String(error);
    return { ok: false, problems: [{ path: "(config)", message }] };
  }

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
    return merge(
      parsed.error.issues.flatMap((issue) =>
        issue.code === "unrecognized_keys"
          ? issue.keys.map((key) => ({ path: formatKeyPath([...issue.path, key]), message: unknownKeyMessage(configSchema, issue.path, key) }))
          : [{ path: formatKeyPath(issue.path), message: issue.message }],
      ),
    );
  }
  const resolved = resolveConfig(parsed.data, sourcePath);
  if (!resolved.ok) return merge(resolved.problems);
  return problems.length > 0 ? merge([]) : resolved;
}

export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join("\n");
}
