// What JSON.parse accepts but Herald must not relay: a key that appears twice in one object
// (JSON.parse keeps the last value, other parsers the first, so sender and receiver could read
// different data), and a number whose value a 64-bit float cannot hold (12345678901234567890
// would reach receivers as 12345678901234567000). Herald stores and sends data re-serialized
// (JSON.stringify), so a number counts as altered only when its value changes: `1.0` and `1e2`
// are the values 1 and 100 and pass (they arrive as `1` and `100`). `-0` is refused: it would
// arrive as `0`, and a receiver can tell the two apart (1 / -0 is -Infinity).
//
// Keys written with escapes are also checked against what JSON.parse made of them: Deno's V8
// (2.9.6) was seen to read the key "\"" as "\\" after many parses (docs/runtimes.md), which
// would relay the data altered. Such a body is refused rather than relayed wrong.
//
// A scan of text that JSON.parse has already accepted: no recursion (the depth is counted
// against a cap), strings skipped with indexOf, one reused key set per nesting level. Short
// numbers (at most 15 characters, of normal size) always survive and are not looked at twice.

import { formatKeyPath } from "../core/key-path.ts";
import type { Issue } from "./errors.ts";

export interface JsonCheck {
  /** Nested deeper than the cap: nothing else was looked at. */
  tooDeep: boolean;
  /** Duplicate keys and altered numbers, each at its path (at most `limit`). */
  issues: Issue[];
}

const OBJECT = 0;
const ARRAY = 1;
const QUOTE = 34;
const BACKSLASH = 92;

/**
 * `value` is what JSON.parse made of `text`. The common case costs one pass that only counts
 * keys (JSON.parse keeps one of each duplicate, so the parsed objects then hold fewer) and
 * looks at long numbers; only a body with a problem is scanned again to name each one's path.
 */
export function checkJsonText(text: string, value: unknown, maxDepth: number, limit = 20): JsonCheck {
  const quick = scan(text, maxDepth, undefined);
  if (quick.tooDeep) return { tooDeep: true, issues: [] };
  if (!quick.altered && !quick.escapedKeys && quick.keys === countKeys(value)) return { tooDeep: false, issues: [] };
  const issues: Issue[] = [];
  scan(text, maxDepth, { issues, limit, parsed: value });
  return { tooDeep: false, issues };
}

interface Scan {
  tooDeep: boolean;
  /** Keys in the text, duplicates included. */
  keys: number;
  /** A number whose value a float would change was seen (the quick pass stops there). */
  altered: boolean;
  /** A key is written with an escape: what JSON.parse made of it is checked too. */
  escapedKeys: boolean;
}

/** Without `report`, counts keys and stops at the first altered number; with it, names every problem. */
function scan(text: string, maxDepth: number, report: { issues: Issue[]; limit: number; parsed: unknown } | undefined): Scan {
  const kinds: number[] = [];
  // Per level, with `report`: the parsed object or array the text there became, if known.
  const containers: unknown[] = [];
  const mayEscape = text.includes("\\");
  let escapedKeys = false;
  let duplicates = false;
  // Per level: the current key (objects) or index (arrays), for the path of what is inside.
  const at: Array<string | number> = [];
  const keySets: Array<Set<string>> = [];
  let depth = 0;
  let expectKey = false;
  let keys = 0;
  const path = (last: number) => formatKeyPath(at.slice(0, last), "(body)");

  for (let i = 0; i < text.length && (!report || report.issues.length < report.limit); ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (expectKey) {
        keys++;
        expectKey = false;
        const escaped = mayEscape && hasBackslash(text, i + 1, end);
        if (escaped) escapedKeys = true;
        if (report) {
          const raw = text.slice(i + 1, end);
          const key = escaped ? unescapeJson(raw) : raw;
          const seen = keySets[depth - 1]!;
          at[depth - 1] = key;
          if (seen.has(key)) {
            duplicates = true;
            report.issues.push({ path: path(depth), message: `duplicate key ${JSON.stringify(key)}` });
          } else {
            seen.add(key);
            const parsed = containers[depth - 1];
            // Under a duplicate the parsed value is the last one's, so nothing below it is compared.
            if (escaped && !duplicates && isRecord(parsed) && !Object.hasOwn(parsed, key)) {
              report.issues.push({ path: path(depth), message: `the key ${JSON.stringify(key)} was not read as sent by this runtime's JSON parser; nothing was stored, send it again` });
            }
          }
        }
      }
      i = end + 1;
    } else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > maxDepth) return { tooDeep: true, keys, altered: false, escapedKeys };
      if (report) containers[depth - 1] = depth === 1 ? report.parsed : childOf(containers[depth - 2], at[depth - 2]);
      kinds[depth - 1] = c === 123 ? OBJECT : ARRAY;
      if (report && c === 123) (keySets[depth - 1] ??= new Set()).clear();
      at[depth - 1] = 0;
      expectKey = c === 123;
      i++;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      expectKey = false; // an empty object closes still expecting one
      i++;
    } else if (c === 44 /* , */) {
      if (kinds[depth - 1] === ARRAY) (at[depth - 1] as number)++;
      else expectKey = true;
      i++;
    } else if (c === 45 /* - */ || (c >= 48 && c <= 57)) {
      let j = i + 1;
      let exponent = false;
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j);
        if (d === 101 || d === 69) exponent = true;
        else if (!((d >= 48 && d <= 57) || d === 46 || d === 43 || d === 45)) break;
      }
      // "-0" prefilters negative zero (-0, -0.0, -0e5), whose sign JSON.stringify drops.
      const negativeZero = c === 45 && text.charCodeAt(i + 1) === 48 && Object.is(Number(text.slice(i, j)), -0);
      if (j - i > 15 || negativeZero || (exponent && !isNormal(Number(text.slice(i, j))))) {
        const literal = text.slice(i, j);
        const arrives = relayedAs(literal);
        if (arrives !== undefined) {
          if (!report) return { tooDeep: false, keys, altered: true, escapedKeys };
          report.issues.push({ path: path(depth), message: alteredNumber(literal, arrives) });
        }
      }
      i = j;
    } else {
      i++;
    }
  }
  return { tooDeep: false, keys, altered: false, escapedKeys };
}

/** Keys of every object in a parsed value (iterative: the depth is already known to be bounded, but cheaply so). */
function countKeys(root: unknown): number {
  let count = 0;
  const stack = [root];
  while (stack.length > 0) {
    const value = stack.pop();
    if (Array.isArray(value)) {
      for (const child of value) if (child !== null && typeof child === "object") stack.push(child);
    } else if (value !== null && typeof value === "object") {
      const record = value as Record<string, unknown>;
      for (const key in record) {
        count++;
        const child = record[key];
        if (child !== null && typeof child === "object") stack.push(child);
      }
    }
  }
  return count;
}

const isRecord = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === "object" && !Array.isArray(value);

/** The value at `key` (an object's) or `index` (an array's) of a parsed container, if there is one. */
function childOf(container: unknown, step: string | number | undefined): unknown {
  if (step === undefined || container === null || typeof container !== "object") return undefined;
  return Array.isArray(container) ? (typeof step === "number" ? container[step] : undefined) : typeof step === "string" ? (container as Record<string, unknown>)[step] : undefined;
}

function hasBackslash(text: string, from: number, to: number): boolean {
  for (let j = from; j < to; j++) if (text.charCodeAt(j) === BACKSLASH) return true;
  return false;
}

const ESCAPES: Record<string, string> = { '"': '"', "\\": "\\", "/": "/", b: "\b", f: "\f", n: "\n", r: "\r", t: "\t" };

/** A JSON string's content (already known valid) with its escapes read, without JSON.parse. */
export function unescapeJson(raw: string): string {
  let out = "";
  for (let j = 0; j < raw.length; j++) {
    const ch = raw[j]!;
    if (ch !== "\\") {
      out += ch;
      continue;
    }
    const next = raw[++j]!;
    if (next === "u") {
      out += String.fromCharCode(parseInt(raw.slice(j + 1, j + 5), 16));
      j += 4;
    } else {
      out += ESCAPES[next] ?? next;
    }
  }
  return out;
}

/** The index of the quote that closes the string opening at `start`. */
function stringEnd(text: string, start: number): number {
  for (let j = start + 1; ; j++) {
    j = text.indexOf('"', j);
    let backslashes = 0;
    while (text.charCodeAt(j - 1 - backslashes) === BACKSLASH) backslashes++;
    if (backslashes % 2 === 0) return j;
  }
}

// A decimal of at most 15 significant digits comes back from a normal (not subnormal) double
// with the same value: two such decimals are further apart than neighbouring doubles.
const MIN_NORMAL = 2.2250738585072014e-308;
const isNormal = (value: number) => Number.isFinite(value) && Math.abs(value) >= MIN_NORMAL;

/** What a number literal turns into after JSON.parse and JSON.stringify, when its value changes. */
function relayedAs(literal: string): string | undefined {
  const value = Number(literal);
  if (!Number.isFinite(value)) return "null"; // JSON.stringify's answer for an overflow
  const relayed = JSON.stringify(value);
  return relayed === literal || decimalValue(relayed) === decimalValue(literal) ? undefined : relayed;
}

/**
 * A JSON number's exact decimal value, written one way: "<sign><digits>e<exponent>" without
 * redundant zeros. Plain loops, no regular expressions: a hostile body may hold 50,000 numbers.
 */
function decimalValue(literal: string): string {
  const start = literal.charCodeAt(0) === 45 ? 1 : 0;
  let e = start;
  while (e < literal.length && (literal.charCodeAt(e) | 32) !== 101 /* e or E */) e++;
  const mantissa = literal.slice(start, e);
  const dot = mantissa.indexOf(".");
  const digits = dot < 0 ? mantissa : mantissa.slice(0, dot) + mantissa.slice(dot + 1);
  let first = 0;
  while (first < digits.length && digits.charCodeAt(first) === 48) first++;
  let end = digits.length;
  while (end > first && digits.charCodeAt(end - 1) === 48) end--;
  if (first === end) return start ? "-0" : "0";
  // Number() reads the exponent exactly: one long enough to lose precision would need a
  // mantissa of about 10^15 digits to keep the value finite and non-zero.
  const exponent = (e < literal.length ? Number(literal.slice(e + 1)) : 0) - (dot < 0 ? 0 : mantissa.length - dot - 1) + (digits.length - end);
  return `${start ? "-" : ""}${digits.slice(first, end)}e${exponent}`;
}

function alteredNumber(literal: string, arrives: string): string {
  const shown = literal.length > 40 ? `${literal.slice(0, 40)}…` : literal;
  if (decimalValue(literal) === "-0") return `the number ${shown} cannot be relayed exactly: negative zero would arrive as 0, without its sign; send 0, or a string`;
  return `the number ${shown} cannot be relayed exactly: as a 64-bit float (15-17 significant digits) it would arrive as ${arrives}; send it as a string`;
}
