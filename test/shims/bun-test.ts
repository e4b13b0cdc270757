// bun:test for `deno test`: deno.json's import map points "bun:test" here, so the same test
// files run under both runners. describe/test become Deno.test registrations (describe names
// prefix their tests), and expect covers the matchers the suites use, with Bun's meanings:
// toEqual ignores properties that are undefined, toMatchObject compares a subset.
// `deno test` runs each test file in an isolate of its own, so this module's state is one
// file's: beforeAll runs before the file's first test, afterAll after its last.
// Only used under Deno; Bun resolves bun:test itself.

import { inspect, isDeepStrictEqual } from "node:util";

type TestFn = () => unknown | Promise<unknown>;

const names: string[] = [];
const afterEachHooks: TestFn[][] = [[]];

interface DenoTestOptions {
  name: string;
  fn: () => Promise<void>;
  ignore: boolean;
  sanitizeOps: boolean;
  sanitizeResources: boolean;
}

/** Deno.test, reached through globalThis so this file also type-checks for tsc. */
const denoTest = (name: string, fn: () => Promise<void>, ignore: boolean) =>
  (globalThis as unknown as { Deno: { test(options: DenoTestOptions): void } }).Deno.test({
    name,
    fn,
    ignore,
    // Bun does not check for timers or sockets left open; the suites rely on that.
    sanitizeOps: false,
    sanitizeResources: false,
  });

/** Depth of describe.skipIf blocks whose condition held: their tests are registered as ignored. */
let skipping = 0;

export function describe(name: string, body: () => void): void {
  names.push(name);
  afterEachHooks.push([]);
  try {
    body();
  } finally {
    names.pop();
    afterEachHooks.pop();
  }
}
describe.skipIf = (condition: boolean) => (name: string, body: () => void) => {
  if (condition) skipping++;
  try {
    describe(name, body);
  } finally {
    if (condition) skipping--;
  }
};

export function afterEach(hook: TestFn): void {
  afterEachHooks.at(-1)!.push(hook);
}

// File-level hooks. Bun scopes a hook inside describe to that block; no suite needs that, so
// rather than run it at the wrong time, the shim refuses it.
const beforeAllHooks: TestFn[] = [];
const afterAllHooks: TestFn[] = [];
const fileLevel = (kind: string) => {
  if (names.length > 0) throw new Error(`${kind} inside describe is not supported by the deno test shim; register it at the top of the file`);
};
export function beforeAll(hook: TestFn): void {
  fileLevel("beforeAll");
  beforeAllHooks.push(hook);
}
export function afterAll(hook: TestFn): void {
  fileLevel("afterAll");
  afterAllHooks.push(hook);
}

/** Whether each registered test runs: afterAll follows the last one that does. */
const running: boolean[] = [];
let beforeAllDone: Promise<void> | undefined;
const runAll = async (hooks: TestFn[]) => {
  for (const hook of hooks) await hook();
};

/** As `npm test` gives bun test (--timeout 30000); a test's own timeout wins, as in Bun. */
const DEFAULT_TIMEOUT_MS = 30_000;

/** Deno.test has no timeout: a test that hangs would hang the whole run, so it fails instead. */
async function withTimeout(fn: TestFn, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timedOut = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs}ms`)), timeoutMs)));
  try {
    await Promise.race([fn(), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export function test(name: string, fn: TestFn, timeoutMs = DEFAULT_TIMEOUT_MS): void {
  const hooks = afterEachHooks.flat();
  const ignore = skipping > 0;
  const index = running.push(!ignore) - 1;
  denoTest(
    [...names, name].join(" > "),
    async () => {
      try {
        await (beforeAllDone ??= runAll(beforeAllHooks));
        await withTimeout(fn, timeoutMs);
      } finally {
        try {
          for (const hook of hooks.reverse()) await hook();
        } finally {
          if (running.lastIndexOf(true) === index) await runAll(afterAllHooks);
        }
      }
    },
    ignore,
  );
}
test.skipIf = (condition: boolean) => (name: string, fn: TestFn, timeoutMs?: number) => {
  skipping += condition ? 1 : 0;
  try {
    test(name, fn, timeoutMs);
  } finally {
    skipping -= condition ? 1 : 0;
  }
};
/** A row's arguments, and the title with %s, %p, %d and %j taking its values in turn (%# its index). */
function eachRow(name: string, row: unknown, index: number): { args: unknown[]; title: string } {
  const args = Array.isArray(row) ? row : [row];
  let next = 0;
  const title = name.replace(/%[spdj#%]/g, (token) => (token === "%%" ? "%" : token === "%#" ? String(index) : show(args[next++])));
  return { args, title };
}

/** test.each(rows)(name, fn): one test per row. */
test.each = (rows: unknown[]) => (name: string, fn: (...args: never[]) => unknown, timeoutMs?: number) =>
  rows.forEach((row, index) => {
    const { args, title } = eachRow(name, row, index);
    test(title, () => (fn as (...args: unknown[]) => unknown)(...args), timeoutMs);
  });

type RowArgs<T> = T extends readonly unknown[] ? [...T] : [T];
/** describe.each(rows)(name, body): one block per row. */
describe.each =
  <T>(rows: readonly T[]) =>
  (name: string, body: (...args: RowArgs<T>) => void): void =>
    rows.forEach((row, index) => {
      const { args, title } = eachRow(name, row, index);
      describe(title, () => (body as (...args: unknown[]) => void)(...args));
    });
export const it = test;

/** Bun's equality: NaN equals NaN, and a property that is undefined counts as absent. */
function equal(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (isAsymmetric(b)) return b.matches(a);
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (a instanceof Uint8Array || b instanceof Uint8Array || a instanceof Date || a instanceof Map || a instanceof Set) return isDeepStrictEqual(a, b);
  if (Array.isArray(a)) return a.length === (b as unknown[]).length && a.every((item, i) => equal(item, (b as unknown[])[i]));
  const defined = (o: object) => Object.keys(o).filter((k) => (o as Record<string, unknown>)[k] !== undefined);
  const keys = defined(a);
  return keys.length === defined(b).length && keys.every((k) => equal((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

function matchesObject(actual: unknown, expected: unknown): boolean {
  if (isAsymmetric(expected)) return expected.matches(actual);
  if (typeof expected !== "object" || expected === null) return equal(actual, expected);
  if (typeof actual !== "object" || actual === null) return false;
  if (Array.isArray(expected)) return Array.isArray(actual) && actual.length === expected.length && expected.every((e, i) => matchesObject(actual[i], e));
  return Object.entries(expected).every(([k, v]) => matchesObject((actual as Record<string, unknown>)[k], v));
}

interface Asymmetric {
  asymmetric: true;
  matches(actual: unknown): boolean;
}
const isAsymmetric = (value: unknown): value is Asymmetric => (value as Asymmetric | null)?.asymmetric === true;

const show = (value: unknown) => inspect(value, { depth: 6, breakLength: 120 });

function thrownBy(fn: unknown): { threw: boolean; error?: unknown } {
  try {
    (fn as () => unknown)();
    return { threw: false };
  } catch (error) {
    return { threw: true, error };
  }
}

function errorMatches(error: unknown, expected: unknown): boolean {
  if (expected === undefined) return true;
  const message = error instanceof Error ? error.message : String(error);
  if (typeof expected === "string") return message.includes(expected);
  if (expected instanceof RegExp) return expected.test(message);
  if (typeof expected === "function") return error instanceof expected;
  return false;
}

function matchers(actual: unknown, negated: boolean) {
  const check = (pass: boolean, what: string, ...expected: unknown[]) => {
    if (pass === negated) throw new Error(`expected ${show(actual)} ${negated ? "not " : ""}${what}${expected.length > 0 ? ` ${show(expected[0])}` : ""}`);
  };
  const length = (actual as { length?: number } | null)?.length;
  return {
    toBe: (expected: unknown) => check(Object.is(actual, expected), "to be", expected),
    toEqual: (expected: unknown) => check(equal(actual, expected), "to equal", expected),
    toStrictEqual: (expected: unknown) => check(isDeepStrictEqual(actual, expected), "to strictly equal", expected),
    toMatchObject: (expected: unknown) => check(matchesObject(actual, expected), "to match", expected),
    toBeUndefined: () => check(actual === undefined, "to be undefined"),
    toBeDefined: () => check(actual !== undefined, "to be defined"),
    toBeNull: () => check(actual === null, "to be null"),
    toBeTruthy: () => check(Boolean(actual), "to be truthy"),
    toBeFalsy: () => check(!actual, "to be falsy"),
    toBeInstanceOf: (type: abstract new (...args: never[]) => unknown) => check(actual instanceof type, "to be an instance of", type.name),
    toBeGreaterThan: (n: number) => check((actual as number) > n, "to be greater than", n),
    toBeGreaterThanOrEqual: (n: number) => check((actual as number) >= n, "to be at least", n),
    toBeLessThan: (n: number) => check((actual as number) < n, "to be less than", n),
    toBeLessThanOrEqual: (n: number) => check((actual as number) <= n, "to be at most", n),
    toHaveLength: (n: number) => check(length === n, "to have length", n),
    toContain: (item: unknown) =>
      check(typeof actual === "string" ? actual.includes(item as string) : Array.isArray(actual) && actual.some((x) => Object.is(x, item)), "to contain", item),
    toContainEqual: (item: unknown) => check(Array.isArray(actual) && actual.some((x) => equal(x, item)), "to contain an item equal to", item),
    toStartWith: (prefix: string) => check(typeof actual === "string" && actual.startsWith(prefix), "to start with", prefix),
    toEndWith: (suffix: string) => check(typeof actual === "string" && actual.endsWith(suffix), "to end with", suffix),
    toMatch: (pattern: RegExp | string) => check(typeof actual === "string" && (typeof pattern === "string" ? actual.includes(pattern) : pattern.test(actual)), "to match", pattern),
    toThrow: (expected?: unknown) => {
      const { threw, error } = thrownBy(actual);
      check(threw && errorMatches(error, expected), "to throw", expected ?? "an error");
    },
  };
}

type Matchers = ReturnType<typeof matchers>;
type Settled = { [K in keyof Matchers]: (...args: Parameters<Matchers[K]>) => Promise<void> };

/** The matchers applied, once the promise settles, to its value (resolves) or its error (rejects). */
function settled(promise: unknown, wanted: "resolves" | "rejects"): Settled {
  const outcome = Promise.resolve(promise).then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, value: error }),
  );
  const apply = (name: keyof Matchers) => async (...args: unknown[]) => {
    const { ok, value } = await outcome;
    if (ok !== (wanted === "resolves")) throw new Error(`expected the promise to ${wanted === "resolves" ? "resolve" : "reject"}, but it ${ok ? "resolved with" : "rejected with"} ${show(value)}`);
    (matchers(value, false)[name] as (...a: unknown[]) => void)(...args);
  };
  return Object.fromEntries(Object.keys(matchers(undefined, false)).map((name) => [name, apply(name as keyof Matchers)])) as Settled;
}

export function expect(actual: unknown): Matchers & { not: Matchers; resolves: Settled; rejects: Settled } {
  return Object.assign(matchers(actual, false), {
    not: matchers(actual, true),
    get resolves() {
      return settled(actual, "resolves");
    },
    get rejects() {
      return settled(actual, "rejects");
    },
  });
}

expect.stringMatching = (pattern: RegExp | string): Asymmetric => ({
  asymmetric: true,
  matches: (actual) => typeof actual === "string" && (typeof pattern === "string" ? actual.includes(pattern) : pattern.test(actual)),
});
expect.stringContaining = (part: string): Asymmetric => ({ asymmetric: true, matches: (actual) => typeof actual === "string" && actual.includes(part) });
expect.objectContaining = (subset: Record<string, unknown>): Asymmetric => ({ asymmetric: true, matches: (actual) => matchesObject(actual, subset) });
expect.any = (type: abstract new (...args: never[]) => unknown): Asymmetric => ({
  asymmetric: true,
  matches: (actual) => actual instanceof type || (type === (String as unknown) && typeof actual === "string") || (type === (Number as unknown) && typeof actual === "number"),
});
