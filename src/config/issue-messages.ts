// Config problems in Herald's words. zod's default messages ("Invalid input: expected string,
// received number") speak of JavaScript types to someone editing TOML, so every issue the
// schema itself does not word is worded here from the schema: what the key wants, and which
// key was meant when one is unknown. The schema stays the one place that knows the keys.
// The publish API words its schema's issues the same way, in JSON's words ("an object").

import type { z } from "zod";
import { nearest } from "../core/nearest.ts";

type Schema = z.core.$ZodType;
type Def = { type: string; [key: string]: any };

const defOf = (schema: Schema): Def => schema._zod.def as Def;

/** The schema inside defaults, optionals and transforms: the one that holds keys or elements. */
function unwrap(schema: Schema): Schema {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (["default", "prefault", "optional", "nullable", "readonly", "catch"].includes(def.type)) current = def.innerType;
    else if (def.type === "pipe") current = def.in;
    else return current;
  }
}

/** The keys a table at `path` may hold (an index steps into a list), or none if no table is there. */
export function keysAt(schema: Schema, path: ReadonlyArray<PropertyKey>): string[] {
  let current: Schema | undefined = unwrap(schema);
  for (const [i, key] of path.entries()) {
    const def = defOf(current);
    if (def.type === "object") current = def.shape[key as string];
    else if (def.type === "array" && typeof key === "number") current = def.element;
    else if (def.type === "record") current = def.valueType;
    else if (def.type === "union") return unionKeysAt(def.options as Schema[], path.slice(i));
    else current = undefined;
    if (!current) return [];
    current = unwrap(current);
  }
  const def = defOf(current);
  if (def.type === "union") return unionKeysAt(def.options as Schema[], []);
  return def.type === "object" ? Object.keys(def.shape) : [];
}

/** A union (one webhook or a list of them) holds the keys of whichever form has a table there. */
function unionKeysAt(options: Schema[], rest: ReadonlyArray<PropertyKey>): string[] {
  for (const option of options) {
    const keys = keysAt(option, rest);
    if (keys.length > 0) return keys;
  }
  return [];
}

/** "unknown key", with the valid key at that place that was most likely meant. */
export function unknownKeyMessage(schema: Schema, path: ReadonlyArray<PropertyKey>, key: string): string {
  const meant = nearest(key, keysAt(schema, path));
  return meant ? `unknown key (did you mean ${meant}?)` : "unknown key";
}

/** How a format names its nested tables: TOML says "a table", JSON "an object". */
interface Words {
  object: string;
}

/** What a value of this schema is, as a noun: "a whole number", "a list of strings". */
function describe(schema: Schema, words: Words): string | undefined {
  const inner = unwrap(schema);
  const def = defOf(inner);
  switch (def.type) {
    case "string":
      return "a string";
    case "number":
      return (inner as unknown as { isInt?: boolean }).isInt ? "a whole number" : "a number";
    case "boolean":
      return "a boolean";
    case "object":
    case "record":
      return words.object;
    case "enum":
      return `one of ${Object.values(def.entries as Record<string, string>).join(", ")}`;
    case "array": {
      const element = describe(def.element, words);
      return element && /^an? [a-z ]+$/.test(element) && !element.includes(" or ") ? `a list of ${element.replace(/^an? /, "")}s` : "a list";
    }
    case "union": {
      const options = choices(inner, words);
      if (options.some((o) => o === undefined)) return undefined;
      return options.length > 1 ? `${options.slice(0, -1).join(", ")} or ${options.at(-1)}` : options[0];
    }
    default:
      return undefined;
  }
}

/** A union's options, nested unions flattened: "a string, a number, a boolean or a list". */
function choices(schema: Schema, words: Words): Array<string | undefined> {
  const inner = unwrap(schema);
  const def = defOf(inner);
  return def.type === "union" ? (def.options as Schema[]).flatMap((option) => choices(option, words)) : [describe(inner, words)];
}

const SIZED: Record<string, [string, string]> = { string: ["characters", "be"], array: ["items", "hold"] };

function sizeMessage(issue: { origin: string; inclusive?: boolean; exact?: boolean }, bound: number | bigint, side: "least" | "most"): string {
  const sized = SIZED[issue.origin];
  if (sized) {
    if (side === "least" && Number(bound) === 1) return "must not be empty";
    const [unit, verb] = sized;
    return `must ${verb} ${issue.exact ? "exactly" : `at ${side}`} ${bound} ${unit}`;
  }
  if (issue.inclusive === false) return `must be ${side === "least" ? "greater" : "less"} than ${bound}`;
  return `must be at ${side} ${bound}`;
}

/**
 * A zod error map: schema-level messages (the field's own wording) win, and this words the
 * rest. Passed per parse, so other schemas keep their own wording.
 */
const issueMessageIn = (words: Words) => (issue: z.core.$ZodRawIssue) => issueMessage(issue, words);

/** For the config file (TOML). */
export const configIssueMessage = issueMessageIn({ object: "a table" });
/** For request bodies (JSON). */
export const jsonIssueMessage = issueMessageIn({ object: "an object" });

function issueMessage(issue: z.core.$ZodRawIssue, words: Words): string {
  switch (issue.code) {
    case "invalid_type": {
      if (issue.input === undefined) return "is required";
      if (issue.expected === "int") return "must be a whole number";
      if (issue.expected === "boolean") return "must be true or false";
      const wanted = issue.inst ? describe(issue.inst as Schema, words) : undefined;
      return `must be ${wanted ?? `a ${issue.expected}`}`;
    }
    case "invalid_value":
      return issue.values.length === 1 ? `must be ${JSON.stringify(issue.values[0])}` : `must be one of ${issue.values.join(", ")}`;
    case "invalid_union": {
      const wanted = issue.inst ? describe(issue.inst as Schema, words) : undefined;
      return wanted ? `must be ${wanted}` : "is not any of the accepted forms";
    }
    case "too_small":
      return sizeMessage(issue, issue.minimum, "least");
    case "too_big":
      return sizeMessage(issue, issue.maximum, "most");
    case "not_multiple_of":
      return `must be a multiple of ${issue.divisor}`;
    case "invalid_format":
      return issue.format === "regex" ? "is not in the expected form" : `must be a valid ${issue.format}`;
    case "invalid_key":
      return issue.issues[0]?.message ?? "is not a valid key";
    case "unrecognized_keys":
      return "unknown key";
    default:
      return "is not valid here";
  }
}
