import { describe, expect, test } from "bun:test";
import { destinationsFor, globMatches } from "../../src/core/routing.ts";
import type { Route } from "../../src/core/types.ts";

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
