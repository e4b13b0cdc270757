// The scan that finds duplicate keys and numbers a float would alter, against JSON of every
// shape (fast-check): nothing is reported in what JSON.stringify writes, and a duplicate is
// found at its path whatever the keys and strings around it hold.
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { formatKeyPath } from "../../src/core/key-path.ts";
import { checkJsonText, unescapeJson } from "../../src/ingress/json-check.ts";

const check = (text: string) => checkJsonText(text, JSON.parse(text), 100);

describe("checkJsonText", () => {
  test("nothing to report in JSON.stringify's output, compact or indented, whatever the strings hold", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (value) => {
        expect(check(JSON.stringify(value))).toEqual({ tooDeep: false, issues: [] });
        expect(check(JSON.stringify(value, null, 2))).toEqual({ tooDeep: false, issues: [] });
      }),
      { numRuns: 300 },
    );
  });

  test("a key added again to any object is found at its path", () => {
    const keys = fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('"', "\\", "{", "}", ",", ":", "[", "__proto__", "é"));
    fc.assert(
      fc.property(fc.dictionary(keys, fc.jsonValue({ maxDepth: 3 }), { minKeys: 1, maxKeys: 6 }), fc.nat(), (data, pick) => {
        const names = Object.keys(data);
        const key = names[pick % names.length]!;
        const text = `{"event":"x","data":${JSON.stringify(data).slice(0, -1)},${JSON.stringify(key)}:0}}`;
        // Refused at its path as a duplicate. Where the runtime's JSON.parse misread an escaped
        // key (Deno's V8, docs/runtimes.md), that key is refused too, as not read as sent; if it
        // is the duplicate itself, that refusal names its path instead.
        const issues = check(text).issues;
        const at = formatKeyPath(["data", key], "(body)");
        const misread = (issue: { message: string }) => issue.message.endsWith("was not read as sent by this runtime's JSON parser; nothing was stored, send it again");
        const others = issues.filter((issue) => !misread(issue));
        if (others.length > 0) expect(others).toEqual([{ path: at, message: `duplicate key ${JSON.stringify(key)}` }]);
        else expect(issues.map((issue) => issue.path)).toContain(at);
      }),
      { numRuns: 300 },
    );
  });

  test("an escaped key that JSON.parse misread is refused at its path, never relayed altered", () => {
    // What Deno's V8 was seen to make of {"\\"":1} after warm-up: the key as a backslash.
    const misread = checkJsonText('{"a":[{"\\"":1}]}', { a: [{ "\\": 1 }] }, 100).issues;
    expect(misread).toEqual([{ path: formatKeyPath(["a", 0, '"'], "(body)"), message: `the key "\\"" was not read as sent by this runtime's JSON parser; nothing was stored, send it again` }]);
    expect(check('{"a":[{"\\"":1,"\\u00e9\\n":2}]}').issues).toEqual([]);
  });

  test("JSON string escapes are read as JSON reads them", () => {
    for (const value of ['"', "\\", "/", "\b\f\n\r\t", "é", "\u2028", "😀", "a\u0000b"]) {
      expect(unescapeJson(JSON.stringify(value).slice(1, -1))).toBe(value);
      const everyUnitEscaped = Array.from({ length: value.length }, (_, k) => `\\u${value.charCodeAt(k).toString(16).padStart(4, "0")}`).join("");
      expect(unescapeJson(everyUnitEscaped)).toBe(value);
    }
  });

  test("an empty object inside an array does not make the next string a key", () => {
    expect(check('{"a":[{},"k","k",{}],"b":{"k":[]}}').issues).toEqual([]);
  });

  test("deeper than the cap is reported as such, counting arrays and objects alike", () => {
    expect(check(`${"[".repeat(100)}${"]".repeat(100)}`).tooDeep).toBe(false);
    expect(check(`{"a":${"[".repeat(100)}${"]".repeat(100)}}`).tooDeep).toBe(true);
  });

  test("values kept: 0, -1, 1.0, 1e2, 1E+2, 100.000e-2, 1e21 and the largest double; values changed: one report each, at most 20", () => {
    expect(check('[0, 0.0, 0e5, -1, -0.5, -0.0001e4, 1.0, 1e2, 1E+2, 100.000e-2, 1e21, 1.7976931348623157e308, 2.2250738585072014e-308]').issues).toEqual([]);
    const many = `[${Array.from({ length: 30 }, () => "1e999").join(",")}]`;
    expect(check(many).issues).toHaveLength(20);
    expect(check(many).issues[3]).toEqual({ path: "[3]", message: expect.stringContaining("it would arrive as null") });
  });

  test("negative zero loses its sign in JSON.stringify: -0, -0.0 and -0e5 are refused at their paths", () => {
    const refused = (literal: string) => `the number ${literal} cannot be relayed exactly: negative zero would arrive as 0, without its sign; send 0, or a string`;
    expect(check('{"a":-0,"b":[1,-0.0],"c":{"d":-0e5},"e":-0E-2}').issues).toEqual([
      { path: "a", message: refused("-0") },
      { path: "b[1]", message: refused("-0.0") },
      { path: "c.d", message: refused("-0e5") },
      { path: "e", message: refused("-0E-2") },
    ]);
  });
});
