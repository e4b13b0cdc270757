import { describe, expect, test } from "bun:test";
import { destinationsFor, globMatches } from "../../src/core/routing.ts";
import type { Route } from "../../src/core/types.ts";
import { configFrom } from "../helpers/config.ts";

const event = (name: string, data: Record<string, unknown> = {}) => ({ event: name, timestamp: "2026-03-09T12:00:00.000Z", data });

describe("routing", () => {
  test("globs", () => {
    expect(globMatches("*", "anything.at.all")).toBe(true);
    expect(globMatches("crawl.*", "crawl.page")).toBe(true);
    expect(globMatches("crawl.*", "scrape.page")).toBe(false);
    expect(globMatches("on_find", "on_find_metadata")).toBe(false);
    expect(globMatches("on_?ind", "on_find")).toBe(true);
    expect(globMatches("a+b", "aab")).toBe(false);
  });

  test("events and match pick destinations, each once", () => {
    const routes: Route[] = [
      { name: "results", events: ["completed", "failed"], match: [{ path: "data.task_type", values: ["scrape", "crawl"] }], to: ["discord", "billing"] },
      { name: "failures", events: ["failed"], match: [], to: ["discord", "pager"] },
    ];
    expect(destinationsFor(routes, event("completed", { task_type: "scrape" }))).toEqual(["discord", "billing"]);
    expect(destinationsFor(routes, event("completed", { task_type: "map" }))).toEqual([]);
    expect(destinationsFor(routes, event("failed", { task_type: "crawl" }))).toEqual(["discord", "billing", "pager"]);
    expect(destinationsFor(routes, event("started", { task_type: "scrape" }))).toEqual([]);
  });

  test("match compares numbers and booleans exactly and needs every key", () => {
    const routes: Route[] = [{ name: "r", events: ["*"], match: [{ path: "data.credits_used", values: [5] }, { path: "data.paid", values: [true] }], to: ["x"] }];
    expect(destinationsFor(routes, event("e", { credits_used: 5, paid: true }))).toEqual(["x"]);
    expect(destinationsFor(routes, event("e", { credits_used: "5", paid: true }))).toEqual([]);
    expect(destinationsFor(routes, event("e", { credits_used: 5 }))).toEqual([]);
  });
});

describe("match operators", () => {
  // Through the config loader, so the tables are checked and compiled as a user's would be.
  const routeWith = (match: string) =>
    configFrom(`[[destinations]]\nname = "x"\nurl = "https://x.example.com/h"\n[[routes]]\nname = "r"\nevents = ["*"]\nmatch = ${match}\nto = ["x"]\n`).routes;
  const goes = (match: string, data: Record<string, unknown>) => destinationsFor(routeWith(match), event("e", data)).length === 1;

  test("gt, gte, lt and lte compare numbers only", () => {
    expect(goes(`{ "data.credits_used" = { gt = 100 } }`, { credits_used: 101 })).toBe(true);
    expect(goes(`{ "data.credits_used" = { gt = 100 } }`, { credits_used: 100 })).toBe(false);
    expect(goes(`{ "data.credits_used" = { gte = 100 } }`, { credits_used: 100 })).toBe(true);
    expect(goes(`{ "data.credits_used" = { lt = 0.5 } }`, { credits_used: 0.25 })).toBe(true);
    expect(goes(`{ "data.credits_used" = { lte = -1 } }`, { credits_used: 0 })).toBe(false);
    // A number in a string is not coerced, and a missing value is not 0.
    expect(goes(`{ "data.credits_used" = { gt = 100 } }`, { credits_used: "500" })).toBe(false);
    expect(goes(`{ "data.credits_used" = { lt = 100 } }`, {})).toBe(false);
  });

  test("several operators in one table must all hold", () => {
    const range = `{ "data.n" = { gte = 10, lt = 20, not = 15 } }`;
    expect([9, 10, 15, 19, 20].map((n) => goes(range, { n }))).toEqual([false, true, false, true, false]);
  });

  test("not takes a value or a list and holds for a missing value", () => {
    expect(goes(`{ "data.status" = { not = "success" } }`, { status: "failed" })).toBe(true);
    expect(goes(`{ "data.status" = { not = "success" } }`, { status: "success" })).toBe(false);
    expect(goes(`{ "data.status" = { not = ["success", "running"] } }`, { status: "running" })).toBe(false);
    expect(goes(`{ "data.status" = { not = "success" } }`, {})).toBe(true);
    expect(goes(`{ "data.credits" = { not = 0 } }`, { credits: "0" })).toBe(true);
  });

  test("exists: present and not null", () => {
    expect(goes(`{ "data.error" = { exists = true } }`, { error: "boom" })).toBe(true);
    expect(goes(`{ "data.error" = { exists = true } }`, { error: null })).toBe(false);
    expect(goes(`{ "data.error" = { exists = false } }`, {})).toBe(true);
    expect(goes(`{ "data.error" = { exists = false } }`, { error: 0 })).toBe(false);
  });

  test("prefix and regex test strings only", () => {
    expect(goes(`{ "data.url" = { prefix = "https://shop." } }`, { url: "https://shop.example.com/a" })).toBe(true);
    expect(goes(`{ "data.url" = { prefix = "https://shop." } }`, { url: "https://blog.example.com" })).toBe(false);
    expect(goes(`{ "data.code" = { prefix = "4" } }`, { code: 404 })).toBe(false);
    // Unanchored, like JavaScript's test(); ^ and $ anchor.
    expect(goes(`{ "data.url" = { regex = '\\.pdf$' } }`, { url: "https://x.example/a.pdf" })).toBe(true);
    expect(goes(`{ "data.url" = { regex = '\\.pdf$' } }`, { url: "https://x.example/a.pdf?x" })).toBe(false);
    expect(goes(`{ "data.task_id" = { regex = "^task_[a-z0-9]+$" } }`, { task_id: "task_abc123" })).toBe(true);
    expect(goes(`{ "data.n" = { regex = "1" } }`, { n: 1 })).toBe(false);
  });

  test("a regex that would backtrack catastrophically runs in linear time", () => {
    const started = performance.now();
    expect(goes(`{ "data.s" = { regex = "^(a+)+$" } }`, { s: `${"a".repeat(100_000)}b` })).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test("the plain forms keep their meaning beside operator tables", () => {
    const match = `{ "data.task_type" = ["scrape", "crawl"], "data.paid" = true, "data.credits_used" = { gt = 100 } }`;
    expect(goes(match, { task_type: "crawl", paid: true, credits_used: 101 })).toBe(true);
    expect(goes(match, { task_type: "map", paid: true, credits_used: 101 })).toBe(false);
    expect(goes(match, { task_type: "crawl", paid: true, credits_used: 99 })).toBe(false);
  });
});
