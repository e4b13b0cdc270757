// createGroup: writes arriving together share one write; each caller gets its own outcome, and
// nobody is answered before afterWrite (publishing's fsync) has resolved.
import { describe, expect, test } from "bun:test";
import { StorageFault } from "../../src/outbox/errors.ts";
import { createGroup } from "../../src/outbox/group-commit.ts";

/** A defer the test fires by hand, so a group is exactly what was pushed before flush(). */
function manualDefer() {
  let pending: (() => void) | undefined;
  return { defer: (run: () => void) => void (pending = run), flush: () => pending?.() };
}

describe("group commit", () => {
  test("one write for the whole group, results in order", async () => {
    const writes: string[][] = [];
    const turn = manualDefer();
    const write = createGroup((items: string[]) => (writes.push(items), items.map((i) => i.toUpperCase())), { defer: turn.defer });
    const answers = Promise.all([write("a"), write("b"), write("c")]);
    turn.flush();
    expect(await answers).toEqual(["A", "B", "C"]);
    expect(writes).toEqual([["a", "b", "c"]]);
  });

  test("a member that is not a storage fault fails alone; the others are written one by one", async () => {
    const turn = manualDefer();
    const write = createGroup(
      (items: string[]) => {
        if (items.includes("bad")) throw new Error("bad item");
        return items.map((i) => i.toUpperCase());
      },
      { defer: turn.defer },
    );
    const outcomes = Promise.allSettled([write("a"), write("bad"), write("c")]);
    turn.flush();
    expect((await outcomes).map((o) => (o.status === "fulfilled" ? o.value : (o.reason as Error).message))).toEqual(["A", "bad item", "C"]);
  });

  test("a storage fault fails the whole group", async () => {
    const turn = manualDefer();
    const write = createGroup(
      (): string[] => {
        throw new StorageFault("full", "database or disk is full");
      },
      { defer: turn.defer },
    );
    const outcomes = Promise.allSettled([write("a"), write("b")]);
    turn.flush();
    expect((await outcomes).map((o) => o.status)).toEqual(["rejected", "rejected"]);
  });

  test("nobody is answered before afterWrite resolves; if it fails, everyone hears its error", async () => {
    let finishSync!: () => void;
    let answered = 0;
    const turn = manualDefer();
    const write = createGroup((items: string[]) => items, { defer: turn.defer, afterWrite: () => new Promise<void>((resolve) => (finishSync = resolve)) });
    const answers = Promise.all([write("a"), write("b")].map((p) => p.then((v) => (answered++, v))));
    turn.flush();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(answered).toBe(0);
    finishSync();
    expect(await answers).toEqual(["a", "b"]);

    const failing = createGroup((items: string[]) => items, { defer: turn.defer, afterWrite: () => Promise.reject(new Error("fsync of the WAL failed: EIO")) });
    const outcomes = Promise.allSettled([failing("a"), failing("b")]);
    turn.flush();
    expect((await outcomes).map((o) => (o.status === "rejected" ? (o.reason as Error).message : "answered"))).toEqual(["fsync of the WAL failed: EIO", "fsync of the WAL failed: EIO"]);
  });

  test("a write that waits (a server's round trip): one group in flight, the next gathers meanwhile", async () => {
    const writes: string[][] = [];
    const finish: Array<() => void> = [];
    const turn = manualDefer();
    const write = createGroup(
      (items: string[]) =>
        new Promise<string[]>((resolve) => {
          writes.push(items);
          finish.push(() => resolve(items));
        }),
      { defer: turn.defer },
    );
    const first = write("a");
    turn.flush();
    // Arrivals while the first write is in flight wait for it, whatever the turns of the loop.
    const later = [write("b"), write("c")];
    turn.flush();
    const last = write("d");
    turn.flush();
    expect(writes).toEqual([["a"]]);
    finish[0]!();
    expect(await first).toBe("a");
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(writes).toEqual([["a"], ["b", "c", "d"]]);
    finish[1]!();
    expect(await Promise.all([...later, last])).toEqual(["b", "c", "d"]);
  });

  test("a write that meets a storage fault fails those who gathered while it was in flight too", async () => {
    const writes: string[][] = [];
    const finish: Array<(error?: Error) => void> = [];
    const turn = manualDefer();
    const write = createGroup(
      (items: string[]) =>
        new Promise<string[]>((resolve, reject) => {
          writes.push(items);
          finish.push((error) => (error ? reject(error) : resolve(items)));
        }),
      { defer: turn.defer },
    );
    const first = write("a");
    turn.flush();
    const gathered = [write("b"), write("c")];
    turn.flush();
    const outcomes = Promise.allSettled([first, ...gathered]);
    finish[0]!(new StorageFault("unavailable", "no answer from db:5432 within 5 s"));
    expect((await outcomes).map((o) => (o.status === "rejected" ? (o.reason as Error).message : o.value))).toEqual(Array(3).fill("no answer from db:5432 within 5 s"));
    // Only the failed write reached the storage; the next arrival starts a group of its own.
    const next = write("d");
    turn.flush();
    finish[1]!();
    expect(await next).toBe("d");
    expect(writes).toEqual([["a"], ["d"]]);
  });

  test("a write that completes at once answers within the turn that flushed it", async () => {
    const turn = manualDefer();
    const write = createGroup((items: string[]) => Promise.resolve(items), { defer: turn.defer });
    let answered = false;
    const answer = write("a").then(() => (answered = true));
    turn.flush();
    // setImmediate runs in the next turn: by then the caller must have its answer.
    expect(await new Promise((resolve) => setImmediate(() => resolve(answered)))).toBe(true);
    await answer;
  });
});
