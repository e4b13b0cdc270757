// `herald cancel` and destination filters as an operator types them, on a database a daemon
// left: what is cancelled, what is not and why, and a misspelt destination refused by name.
import { describe, expect, test } from "bun:test";
import { relayToml } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { seedDeliveries } from "../helpers/seed.ts";

async function setUp() {
  const config = writeConfig(relayToml("{{db}}", "http://127.0.0.1:9", { extra: `[[destinations]]\nname = "other"\nurl = "http://127.0.0.1:9/other"\n` }));
  const [pending, pendingToo, otherPending, inFlight, failed] = await seedDeliveries(config.db, [
    { status: "pending" },
    { status: "pending" },
    { status: "pending", destination: "other" },
    { status: "in_flight" },
    { status: "failed" },
  ]);
  const run = (...args: string[]) => runHerald([...args, "--config", config.path]);
  // Read as an operator reads them, on either backend.
  const statusOf = async () => {
    const listed = await run("deliveries", "--json");
    return Object.fromEntries((JSON.parse(listed.stdout) as { deliveries: Array<{ id: string; status: string }> }).deliveries.map((d) => [d.id, d.status]));
  };
  return { run, statusOf, ids: { pending: pending!, pendingToo: pendingToo!, otherPending: otherPending!, inFlight: inFlight!, failed: failed! } };
}

describe("herald cancel", () => {
  test("by id: cancels the pending one, says why the others were not on stderr, exit 0 as the contract has it", async () => {
    const { run, statusOf, ids } = await setUp();
    const result = await run("cancel", ids.pending, ids.inFlight, ids.failed, "dlv_00000000000000000000000000");
    expect(result).toEqual({
      code: 0,
      stdout: "cancelled 1 delivery\n",
      stderr: [
        `${ids.inFlight}: not cancelled: it is in flight; cancel it again once this attempt ends, if it is still pending`,
        `${ids.failed}: not cancelled: it has already finished (failed)`,
        "dlv_00000000000000000000000000: not cancelled: unknown delivery",
        "",
      ].join("\n"),
    });
    expect(await statusOf()).toMatchObject({ [ids.pending]: "cancelled", [ids.inFlight]: "in_flight", [ids.failed]: "failed", [ids.pendingToo]: "pending" });
  });

  test("by filter: every pending delivery of a destination, then of all, with --json", async () => {
    const { run, statusOf, ids } = await setUp();
    expect(await run("cancel", "--status", "pending", "--destination", "recv")).toEqual({ code: 0, stdout: "cancelled 2 deliveries\n", stderr: "" });
    expect(await statusOf()).toMatchObject({ [ids.pending]: "cancelled", [ids.pendingToo]: "cancelled", [ids.otherPending]: "pending", [ids.inFlight]: "in_flight" });
    const json = await run("cancel", "--status", "pending", "--json");
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual({ count: 1, cancelled: [ids.otherPending], skipped: [] });
    expect(await run("cancel", "--status", "pending")).toEqual({ code: 0, stdout: "cancelled 0 deliveries\n", stderr: "" });
  });

  test("mistakes are usage errors", async () => {
    const { run } = await setUp();
    const wrongStatus = await run("cancel", "--status", "failed");
    expect(wrongStatus.code).toBe(2);
    expect(wrongStatus.stderr).toStartWith("herald: --status: must be pending\n");
    expect((await run("cancel")).stderr).toStartWith("herald: cancel needs delivery ids, or --status pending [--destination D]\n");
    expect((await run("cancel", "dlv_x", "--status", "pending")).code).toBe(2);
    expect((await run("cancel", "--since", "2h")).stderr).toStartWith("herald: cancel does not take --since\n");
  });
});

describe("a destination filter naming no configured destination", () => {
  test("is an error listing the configured ones, for deliveries, retry and cancel, as for herald test", async () => {
    const { run, statusOf } = await setUp();
    const before = await statusOf();
    const refusal = { code: 1, stdout: "", stderr: 'herald: unknown destination "typo"; the config has "other", "recv"\n' };
    expect(await run("deliveries", "--destination", "typo")).toEqual(refusal);
    expect(await run("retry", "--status", "failed", "--destination", "typo")).toEqual(refusal);
    expect(await run("cancel", "--status", "pending", "--destination", "typo")).toEqual(refusal);
    expect(await run("test", "typo")).toEqual(refusal);
    expect(await statusOf()).toEqual(before);
  });

  test("an inline destination's name is taken as given", async () => {
    const { run } = await setUp();
    expect(await run("deliveries", "--destination", "inline:example.com#0123abcd")).toEqual({ code: 0, stdout: "no deliveries match\n", stderr: "" });
  });
});
