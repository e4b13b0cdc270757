import { describe, expect, test } from "bun:test";
import { compileBodyTemplate } from "../../src/core/body-template.ts";
import { renderBodyTemplate } from "../../src/delivery/format-custom.ts";

const envelope = (data: Record<string, unknown>) => ({ event: "completed", timestamp: "2026-03-09T12:00:00.000Z", data });

function render(template: string, data: Record<string, unknown>): string {
  const compiled = compileBodyTemplate(template);
  if (!compiled.ok) throw new Error(compiled.message);
  return renderBodyTemplate(compiled.template, envelope(data), "evt_1");
}

const problem = (template: string) => {
  const compiled = compileBodyTemplate(template);
  return compiled.ok ? "valid" : compiled.message;
};

describe("body_template rendering", () => {
  test("inside a string a value is escaped in place; standing alone it is its JSON", () => {
    expect(render(`{"text": "{event}: {data.url} ({data.pages} pages)", "count": {data.pages}, "ok": {data.ok}, "id": {id}, "at": {timestamp}}`, { url: "https://e.x/a", pages: 3, ok: true })).toBe(
      `{"text": "completed: https://e.x/a (3 pages)", "count": 3, "ok": true, "id": "evt_1", "at": "2026-03-09T12:00:00.000Z"}`,
    );
  });

  test("objects: their JSON standing alone, their JSON text inside a string", () => {
    expect(render(`{"d": {data}, "r": {data.result}, "s": "{data.result}"}`, { result: { k: 'v"' } })).toBe(`{"d": {"result":{"k":"v\\""}}, "r": {"k":"v\\""}, "s": "{\\"k\\":\\"v\\\\\\"\\"}"}`);
  });

  test("a missing or null field is null standing alone and empty in a string", () => {
    expect(render(`{"a": {data.gone}, "b": "[{data.gone}]", "c": {data.nil}, "d": "[{data.nil}]"}`, { nil: null })).toBe(`{"a": null, "b": "[]", "c": null, "d": "[]"}`);
  });

  test("hostile values decode to exactly what was published", () => {
    const hostile = 'quote " backslash \\ newline \n tab \t </script><b>&amp; é 😀 \u2028 \u0001 {data.x} \\u0041';
    const body = render(`{"text": "<{data.v}>", "raw": {data.v}, "x": "{data.x}"}`, { v: hostile, x: "{data.v}" });
    expect(JSON.parse(body)).toEqual({ text: `<${hostile}>`, raw: hostile, x: "{data.v}" });
    // HTML-significant characters from the data never appear raw, only the template's own.
    expect(body).not.toContain("</script>");
    expect(body.startsWith(`{"text": "<`)).toBe(true);
  });
});

describe("body_template check", () => {
  test("placeholders must be well-formed and known, with the position", () => {
    expect(problem(`{"a": "{data.}"}`)).toBe("malformed placeholder at line 1, column 8: use {event}, {timestamp}, {id}, {data} or {data.field}");
    expect(problem(`{"a": "{tiemstamp}"}`)).toBe("unknown placeholder {tiemstamp} at line 1, column 8; did you mean {timestamp}?");
    expect(problem(`{"a": "{task_id}"}`)).toBe("unknown placeholder {task_id} at line 1, column 8; did you mean {data.task_id}?");
    expect(problem(`{"a": {event.name}}`)).toBe("placeholder {event.name} at line 1, column 7: only {data} has fields");
  });

  test("it must be JSON for any values: errors give the line and column of the template", () => {
    expect(problem(`{\n  "a": {data.x}\n  "b": 1\n}`)).toBe("is not valid JSON at line 3, column 3: a comma is expected");
    expect(problem(`{"a": {data.x}{data.y}}`)).toBe("is not valid JSON at line 1, column 15: a comma is expected");
    expect(problem(`{"a": 1,}`)).toBe("is not valid JSON at line 1, column 9: a quoted property name is expected");
    expect(problem(`{"a": "two\nlines"}`)).toBe("is not valid JSON at line 1, column 7: a string is not closed on its line (write a newline as \\n)");
    expect(problem(`{"a": "\\u{data.x}"}`)).toBe("is not valid JSON at line 1, column 7: malformed \\u escape");
    expect(problem(`{{data.k}: 1}`)).toMatch(/^is not valid JSON at line 1, column 2: /);
    expect(problem(`{"a": -{data.n}}`)).toMatch(/^is not valid JSON at line 1, column 7/);
  });

  test("braces that open no placeholder are plain JSON", () => {
    expect(problem(`{"empty": {}, "nested": {"a": [{"b": "{ not a placeholder }"}]}, "lit": "\\u007bdata.x}"}`)).toBe("valid");
    expect(render(`{"lit": "\\u007bdata.x}"}`, { x: 1 })).toBe(`{"lit": "\\u007bdata.x}"}`);
  });
});
