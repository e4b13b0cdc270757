// `match` tables (routes and sources' event_rules) as MatchRules: the plain form (a value, or a
// list meaning any of), or a table of operators checked here, once, so that a typo or a bad
// regex is a config error naming its key rather than a route that silently matches nothing.

import { RE2JS } from "re2js";
import { formatKeyPath } from "../core/key-path.ts";
import { nearest } from "../core/nearest.ts";
import type { MatchOperators, MatchRule, MatchValue, TextPattern } from "../core/types.ts";

export const MATCH_OPERATORS = ["not", "exists", "gt", "gte", "lt", "lte", "prefix", "regex"] as const;

/**
 * RE2 matches in time linear in the text, so no pattern can backtrack catastrophically; the
 * length cap bounds the compiled program (and so the cost per character) as well.
 */
export const MAX_REGEX_LENGTH = 1_000;

export type MatchTable = Record<string, MatchValue | MatchValue[] | Record<string, unknown>>;

type Problem = (path: string, message: string) => void;

/** `at` is the key path of the table, e.g. ["routes", 0, "match"]. */
export function matchRules(table: MatchTable, at: ReadonlyArray<PropertyKey>, problem: Problem): MatchRule[] {
  return Object.entries(table).map(([path, value]) => {
    if (typeof value !== "object" || Array.isArray(value)) return { path, values: Array.isArray(value) ? value : [value] };
    return operatorRule(path, value, (message) => problem(formatKeyPath([...at, path]), message));
  });
}

const isMatchValue = (value: unknown): value is MatchValue => ["string", "number", "boolean"].includes(typeof value);
const isNumber = (value: unknown): value is number => typeof value === "number" && Number.isFinite(value);

function operatorRule(path: string, table: Record<string, unknown>, problem: (message: string) => void): MatchRule {
  const operators: MatchOperators = {};
  let pattern: TextPattern | undefined;
  if (Object.keys(table).length === 0) problem(`needs at least one operator (${MATCH_OPERATORS.join(", ")})`);
  for (const [name, value] of Object.entries(table)) {
    switch (name) {
      case "not": {
        const list = Array.isArray(value) ? value : [value];
        if (list.length > 0 && list.every(isMatchValue)) operators.not = list;
        else problem("not must be a string, a number, a boolean or a list of them");
        break;
      }
      case "exists":
        if (typeof value === "boolean") operators.exists = value;
        else problem("exists must be true or false");
        break;
      case "gt":
      case "gte":
      case "lt":
      case "lte":
        if (isNumber(value)) operators[name] = value;
        else problem(`${name} must be a number${typeof value === "string" ? ` (write ${name} = ${value.trim() || 0}, without quotes)` : ""}`);
        break;
      case "prefix":
        if (typeof value === "string" && value !== "") operators.prefix = value;
        else problem("prefix must be a string that is not empty");
        break;
      case "regex":
        pattern = compilePattern(value, problem);
        if (pattern) operators.regex = value as string;
        break;
      default: {
        const meant = nearest(name, MATCH_OPERATORS);
        problem(`unknown operator "${name}"; ${meant ? `did you mean "${meant}"?` : `use one of ${MATCH_OPERATORS.join(", ")}`}`);
      }
    }
  }
  return pattern ? { path, operators, pattern } : { path, operators };
}

function compilePattern(value: unknown, problem: (message: string) => void): TextPattern | undefined {
  if (typeof value !== "string" || value === "") return void problem("regex must be a string that is not empty");
  if (value.length > MAX_REGEX_LENGTH) return void problem(`regex is ${value.length} characters; at most ${MAX_REGEX_LENGTH} are allowed`);
  try {
    const compiled = RE2JS.compile(value);
    return { test: (text) => compiled.test(text) };
  } catch (error) {
    // RE2's own words ("missing closing )"), without its "error parsing regexp:" preamble.
    const reason = error instanceof Error ? error.message.replace(/^error parsing regexp:\s*/, "") : String(error);
    return void problem(`regex ${JSON.stringify(value)} is not valid: ${reason} (RE2 syntax: no lookaround or backreferences)`);
  }
}
