// `herald pause`, `resume`, `destinations` and what `herald check` says of deliveries left by a
// removed destination, run as an operator types them against a database a daemon left, and
// before the first serve made one (no SQLite file; a PostgreSQL database without the schema).
import { describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { databaseMade } from "../helpers/rows.ts";
import { seedDeliveries } from "../helpers/seed.ts";

function setUp(extra = "") {
  const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9", { extra }));
  const run = (...args: string[]) => runHerald([...args, "--config", config.path]);
  return { config, run };
}

describe("herald pause, resume and destinations", () => {
  test("pause holds the destination, destinations shows it, resume lets it go; an unknown name exits 1 naming the configured ones", async () => {
    const { config, run } = setUp();
    await seedDeliveries(config.db, [{ status: "pending" }, { status: "pending" }]);

    const paused = await run("pause", "recv");
    expect(paused).toEqual({ code: 0, stdout: "paused recv: 2 pending deliveries wait (they still expire at max_age)\n", stderr: "" });
    expect((await run("pause", "recv")).stdout).toBe("recv is already paused (operator: paused by an operator); 2 pending deliveries\n");

    const listed = await run("destinations", "--json");
    expect(listed.code).toBe(0);
    const [recv] = JSON.parse(listed.stdout).destinations;
    expect(recv).toMatchObject({ name: "recv", state: "paused", held_by: "operator", reason: "paused by an operator", pending: 2 });
    const table = (await run("destinations")).stdout.split("\n");
    expect(table[0]).toMatch(/^NAME\s+STATE\s+BY\s+SINCE\s+PENDING\s+REASON$/);
    expect(table[1]).toMatch(/^recv\s+paused\s+operator\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ\s+2\s+paused by an operator$/);

    expect(await run("resume", "recv")).toEqual({ code: 0, stdout: "resumed recv: 2 pending deliveries go out now\n", stderr: "" });
    expect((await run("resume", "recv")).stdout).toBe("recv is active; 2 pending deliveries\n");

    expect(await run("pause", "nope")).toEqual({ code: 1, stdout: "", stderr: 'herald: unknown destination "nope"; the config has "recv"\n' });
    expect((await run("pause")).code).toBe(2);
  });

  test("before the first serve: destinations lists the config, pause says where to hold it instead, no database is made", async () => {
    const { config, run } = setUp();
    const listed = await run("destinations");
    expect(listed).toMatchObject({ code: 0, stderr: expect.stringMatching(/^herald: no (database at|Herald schema in) .* yet \(it is created by the first "herald serve"\)\n$/) });
    expect(listed.stdout).toMatch(/^recv\s+active\s+0\s*$/m);
    const paused = await run("pause", "recv");
    expect(paused.code).toBe(1);
    expect(paused.stderr).toContain("set paused = true in the config instead");
    expect(await run("resume", "recv")).toMatchObject({ code: 0, stdout: "recv is active; 0 pending deliveries\n" });
    expect(databaseMade(config.db)).toBe(false);
  });
});

describe("herald check and a removed destination's deliveries", () => {
  test("says how many wait for a destination no longer in the config; nothing when there is no database", async () => {
    const { config, run } = setUp();
    const before = await run("check");
    expect({ code: before.code, stderr: before.stderr }).toEqual({ code: 0, stderr: "" });
    expect(before.stdout).not.toContain("no longer in the config");
    expect(databaseMade(config.db)).toBe(false);
    await seedDeliveries(config.db, [{ status: "pending", destination: "old-hook" }, { status: "pending", destination: "old-hook" }, { status: "pending" }, { status: "failed", destination: "older" }]);
    const checked = await run("check");
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain('2 pending deliveries wait for destination "old-hook", which is no longer in the config\n');
    expect(checked.stdout).not.toContain('"older"');
    expect(checked.stdout).not.toContain('destination "recv"');
  });
});
