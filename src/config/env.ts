// ${NAME} expansion over every string of the parsed TOML, before validation, so a value from
// the environment is checked like a written one. "$${" writes a literal "${".

import { userInfoRange } from "../core/storage-url.ts";

export interface EnvProblem {
  path: Array<string | number>;
  message: string;
}

export function expandEnv(value: unknown, env: Record<string, string | undefined>, problems: EnvProblem[], path: Array<string | number> = []): unknown {
  if (typeof value === "string") return expandString(value, env, problems, path, ENCODED_PARTS.get(path.join("."))?.(value));
  if (Array.isArray(value)) return value.map((item, i) => expandEnv(item, env, problems, [...path, i]));
  if (isPlainObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      out[key] = expandEnv(item, env, problems, [...path, key]);
    }
    return out;
  }
  return value;
}

/** TOML tables parse to null-prototype objects; dates and other values are left alone. */
function isPlainObject(value: unknown): boolean {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/** Keys whose values put into one part of the text are percent-encoded there (storage-url.ts says why). */
const ENCODED_PARTS = new Map<string, (template: string) => { start: number; end: number } | undefined>([["storage.url", userInfoRange]]);

function expandString(text: string, env: Record<string, string | undefined>, problems: EnvProblem[], path: Array<string | number>, encoded?: { start: number; end: number }): string {
  return text.replace(/\$\$\{|\$\{([^}]*)\}/g, (whole, name: string | undefined, offset: number) => {
    if (whole === "$${") return "${";
    if (!name || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      problems.push({ path, message: `"\${${name ?? ""}}" is not a valid environment variable reference` });
      return "";
    }
    const found = env[name];
    if (found === undefined) {
      problems.push({ path, message: `environment variable ${name} is not set` });
      return "";
    }
    return encoded && offset >= encoded.start && offset < encoded.end ? encodeURIComponent(found) : found;
  });
}
