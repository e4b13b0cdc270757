// An expired delivery keeps its cause: the operator sees the last attempt's error beside
// "expired" in the log line, the admin API and the CLI, not only that time ran out.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "bun:test";
import { relayConfig, relayToml } from "../helpers/config.ts";
import { runHerald } from "../helpers/daemon.ts";
import { tempDir } from "../helpers/fs.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver, statusSequence, type Receiver } from "../helpers/receiver.ts";

let receiver: Receiver;
afterEach(() => receiver?.stop());

const ADMIN = { authorization: "Bearer admin-token-0123456789" };
const AUTH = `[auth]\nadmin_tokens = ["admin-token-0123456789"]\npublish_tokens = ["publish-token-0123456789"]\n`;
const POLICY = `[delivery]\nmax_age = "1h"\nbackoff = ["45m"]\nmax_attempts = 10\n`;

async function publishOne(h: ReturnType<typeof createHarness>) {
  const response = await h.post("/v1/events", { event: "completed", data: { task_id: "t1" } }, { authorization: "Bearer publish-token-0123456789" });
  expect(response.status).toBe(202);
  const answer = (await response.json()) as { id: string; deliveries: Array<{ id: string }> };
  return { eventId: answer.id, deliveryId: answer.deliveries[0]!.id };
}

describe("an expired delivery keeps its cause", () => {
  test("a receiver answering 503 until max_age passes: the log, the admin API and the CLI name the 503", async () => {
    receiver = startReceiver(statusSequence(503));
    const h = createHarness((db) => relayConfig(db, receiver.url, AUTH + POLICY));
    const { eventId, deliveryId } = await publishOne(h);
    await h.tickAndSettle(); // attempt 1; the next at +45m
    h.clock.advance(45 * 60_000);
    await h.tickAndSettle(); // attempt 2; the next wait would pass max_age
    h.clock.advance(15 * 60_000);
    expect((await h.tickAndSettle()).expired).toBe(1);
    expect(receiver.requests).toHaveLength(2);

    const cause = "HTTP 503: status 503";
    expect(h.logs.find((l) => l.msg === "delivery.expired")).toMatchObject({ level: "warn", delivery: deliveryId, event: eventId, destination: "recv", error: cause });

    const response = await h.ingress.request(`/v1/deliveries/${deliveryId}`, { headers: ADMIN });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "expired", last_status_code: 503, last_error: cause });

    const config = join(tempDir(), "herald.toml");
    writeFileSync(config, relayToml(h.dbPath, receiver.url, { extra: POLICY }));
    const list = await runHerald(["deliveries", "--config", config]);
    expect(list).toMatchObject({ code: 0, stderr: "" });
    const [, row] = list.stdout.trimEnd().split("\n");
    expect(row).toMatch(new RegExp(`^${deliveryId} +expired +2 +recv +completed +.+Z +${cause}$`));
    const one = await runHerald(["delivery", deliveryId, "--config", config]);
    expect(one.stdout).toStartWith(`${deliveryId}  expired\n`);
    expect(one.stdout).toMatch(new RegExp(`\\n  last error +${cause}\\n`));
  });

  test("a delivery never attempted (held back by its rate limit) says it was not delivered within max_age", async () => {
    receiver = startReceiver();
    const h = createHarness((db) => relayConfig(db, receiver.url, AUTH + POLICY, `rate_limit = "1/2h"`));
    await publishOne(h);
    await h.tickAndSettle();
    const { deliveryId } = await publishOne(h);
    h.clock.advance(60 * 60_000);
    await h.tickAndSettle();
    expect(receiver.requests).toHaveLength(1);
    expect(h.logs.find((l) => l.msg === "delivery.expired")).toMatchObject({ delivery: deliveryId, error: "expired: not delivered within max_age of the event's arrival" });
  });
});
