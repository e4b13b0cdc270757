// A custom destination's `body_template`: JSON text with {event}, {timestamp}, {id}, {data} and
// {data.field} placeholders, split once at config load into literal text and placeholders, each
// marked as inside a JSON string or standing as a value. The check here proves that every
// rendering is valid JSON, so rendering (delivery/format-custom.ts) never has to re-check it.

import { parse as parseJson, printParseErrorCode, type ParseError } from "jsonc-parser";
import { nearest } from "./nearest.ts";

/** What a placeholder may name: the envelope's fields, the event id, and paths into data. */
export const TEMPLATE_ROOTS = ["event", "timestamp", "id", "data"] as const;

export type TemplatePart =
  | { text: string }
  /** `quoted`: inside a JSON string, where the value goes in escaped, without quotes. */
  | { path: string; quoted: boolean };

export interface BodyTemplate {
  parts: TemplatePart[];
}

export type TemplateCheck = { ok: true; template: BodyTemplate } | { ok: false; message: string };

/** `{` then a letter opens a placeholder; JSON itself never has a letter straight after `{`. */
const OPENS = /\{[A-Za-z_]/y;
const PLACEHOLDER = /\{([A-Za-z_][A-Za-z0-9_$-]*(?:\.[A-Za-z0-9_$-]+)*)\}/y;

const JSON_ERRORS: Record<string, string> = {
  InvalidSymbol: "unexpected character",
  InvalidNumberFormat: "malformed number",
  PropertyNameExpected: "a quoted property name is expected",
  ValueExpected: "a value is expected",
  ColonExpected: "a colon is expected",
  CommaExpected: "a comma is expected",
  CloseBraceExpected: "a closing } is expected",
  CloseBracketExpected: "a closing ] is expected",
  EndOfFileExpected: "nothing may follow the JSON value",
  InvalidCommentToken: "JSON has no comments",
  UnexpectedEndOfComment: "JSON has no comments",
  UnexpectedEndOfString: "a string is not closed on its line (write a newline as \\n)",
  UnexpectedEndOfNumber: "malformed number",
  InvalidUnicode: "malformed \\u escape",
  InvalidEscapeCharacter: "malformed escape",
  InvalidCharacter: "a control character inside a string (escape it)",
};

function position(text: string, offset: number): string {
  const before = text.slice(0, offset).split("\n");
  return `line ${before.length}, column ${before.at(-1)!.length + 1}`;
}

/** Splits the template and proves it valid JSON for any values; the message names the position. */
export function compileBodyTemplate(text: string): TemplateCheck {
  const parts: TemplatePart[] = [];
  // The template with each placeholder replaced by a sample of the same length: positions in
  // a JSON error are then positions in what the user wrote.
  let sample = "";
  let literal = "";
  let inString = false;
  for (let i = 0; i < text.length; ) {
    const ch = text[i]!;
    OPENS.lastIndex = i;
    if (ch === "{" && OPENS.test(text)) {
      PLACEHOLDER.lastIndex = i;
      const found = PLACEHOLDER.exec(text);
      if (!found) return { ok: false, message: `malformed placeholder at ${position(text, i)}: use {event}, {timestamp}, {id}, {data} or {data.field}` };
      const path = found[1]!;
      const root = path.split(".")[0]!;
      const known = (TEMPLATE_ROOTS as readonly string[]).includes(root);
      if (known && root !== "data" && path !== root) return { ok: false, message: `placeholder {${path}} at ${position(text, i)}: only {data} has fields` };
      if (!known) {
        const meant = root === path ? nearest(root, TEMPLATE_ROOTS) : undefined;
        return { ok: false, message: `unknown placeholder {${path}} at ${position(text, i)}; did you mean {${meant ?? `data.${path}`}}?` };
      }
      if (literal) parts.push({ text: literal });
      literal = "";
      parts.push({ path, quoted: inString });
      // "null" fits the shortest placeholder ({id}); "x" is not a hex digit, so "\u{data.x}" fails.
      sample += inString ? "x".repeat(found[0].length) : "null".padEnd(found[0].length);
      i += found[0].length;
      continue;
    }
    // An escape keeps the next character, so an escaped quote does not end the string.
    const step = inString && ch === "\\" ? 2 : 1;
    if (ch === '"') inString = !inString;
    literal += text.slice(i, i + step);
    sample += text.slice(i, i + step);
    i += step;
  }
  if (literal) parts.push({ text: literal });

  const errors: ParseError[] = [];
  parseJson(sample, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (first) {
    const name = printParseErrorCode(first.error);
    return { ok: false, message: `is not valid JSON at ${position(text, first.offset)}: ${JSON_ERRORS[name] ?? name}` };
  }
  try {
    JSON.parse(sample);
  } catch (error) {
    // Only if the two parsers ever disagree: JSON.parse is what receivers run.
    return { ok: false, message: `is not valid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  return { ok: true, template: { parts } };
}
