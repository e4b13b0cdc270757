// Which destinations an event goes to: routes whose event globs and `match` rules fit.

import type { EventEnvelope, MatchOperators, MatchRule, Route, TextPattern } from "./types.ts";

const globCache = new Map<string, RegExp>();

/** `*` matches any run of characters (dots included), `?` one character; the rest is literal. */
export function globMatches(pattern: string, name: string): boolean {
  let regex = globCache.get(pattern);
  if (!regex) {
    const body = pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[.+^${}()|[\]\\]/g, "\\$&")))
      .join("");
    regex = new RegExp(`^${body}$`);
    globCache.set(pattern, regex);
  }
  return regex.test(name);
}

/** Herald's own operational events ("herald.delivery.failed", ...) are named with this prefix. */
export const OPERATIONAL_PREFIX = "herald.";

/**
 * Does any pattern take this event? An operational event is only taken by a pattern that
 * names the prefix itself ("herald.*"), so a catch-all "*" route never receives Herald's
 * alerts by surprise.
 */
export function eventMatchesAny(patterns: readonly string[], name: string): boolean {
  const operational = name.startsWith(OPERATIONAL_PREFIX);
  return patterns.some((pattern) => (!operational || pattern.startsWith(OPERATIONAL_PREFIX)) && globMatches(pattern, name));
}

/** Reads a dotted path ("data.task_type") from the envelope; undefined when absent. */
export function readPath(envelope: EventEnvelope | Record<string, unknown>, path: string): unknown {
  let value: unknown = envelope;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** Does every rule hold for this event (or a source's body)? */
export function matchesAll(rules: readonly MatchRule[], envelope: EventEnvelope | Record<string, unknown>): boolean {
  return rules.every((rule) => {
    const actual = readPath(envelope, rule.path);
    return "values" in rule ? rule.values.includes(actual as never) : operatorsHold(rule.operators, rule.pattern, actual);
  });
}

/**
 * Each operator given must hold. The comparisons take numbers only and prefix and regex strings
 * only, so a value of another type (or a missing one) fails them rather than being coerced:
 * "100" is not greater than 5. `not` holds for a missing value, which equals none of the list.
 */
function operatorsHold(ops: MatchOperators, pattern: TextPattern | undefined, actual: unknown): boolean {
  if (ops.exists !== undefined && ops.exists !== (actual !== undefined && actual !== null)) return false;
  if (ops.not?.includes(actual as never)) return false;
  const number = typeof actual === "number" ? actual : undefined;
  if (ops.gt !== undefined && !(number !== undefined && number > ops.gt)) return false;
  if (ops.gte !== undefined && !(number !== undefined && number >= ops.gte)) return false;
  if (ops.lt !== undefined && !(number !== undefined && number < ops.lt)) return false;
  if (ops.lte !== undefined && !(number !== undefined && number <= ops.lte)) return false;
  const text = typeof actual === "string" ? actual : undefined;
  if (ops.prefix !== undefined && !(text !== undefined && text.startsWith(ops.prefix))) return false;
  if (pattern && !(text !== undefined && pattern.test(text))) return false;
  return true;
}

export function routeMatches(route: Route, envelope: EventEnvelope, source?: string): boolean {
  if (route.sources && (source === undefined || !route.sources.includes(source))) return false;
  if (!eventMatchesAny(route.events, envelope.event)) return false;
  return matchesAll(route.match, envelope);
}

/** Destination names for an event, each once, in the order routes name them. */
export function destinationsFor(routes: readonly Route[], envelope: EventEnvelope, source?: string): string[] {
  const names = new Set<string>();
  for (const route of routes) {
    if (routeMatches(route, envelope, source)) for (const name of route.to) names.add(name);
  }
  return [...names];
}
