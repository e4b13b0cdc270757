// The README's verifier snippets, taken from the README itself, against a real delivery signed
// while a key rotates (issue 23, item 15): they accept it under either key, where the seeds'
// own verifiers (comparing the whole header) reject it, as the README warns.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { configFrom, LOOPBACK_SECURITY } from "../helpers/config.ts";
import { createHarness } from "../helpers/harness.ts";
import { startReceiver } from "../helpers/receiver.ts";
import { seedVerifySpider, seedVerifyWebhook } from "../fixtures/seed-verifiers.ts";

const NEW = "rotated-in-secret-0123";
const OLD = "rotated-out-secret-4567";

type Verify = (rawBody: string, header: string, secret: string) => boolean;

/** The README's JavaScript blocks that define the named functions, run as the README prints them. */
function readmeVerifiers(): { verifySha256: Verify; verifyTimestamped: Verify } {
  const readme = readFileSync(join(import.meta.dirname!, "../../README.md"), "utf8");
  // Beside the rotation example, the README says that the seeds' verifiers break on a list.
  const rotation = readme.slice(readme.indexOf('secret = ["${BILLING_SECRET_NEW}", "${BILLING_SECRET_OLD}"]'));
  expect(rotation.slice(0, 900)).toContain("the seed documents' own verifiers reject every delivery");
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const code = ["verifySha256", "verifyTimestamped"].map((name) => {
    const found = blocks.filter((block) => block.includes(`function ${name}(`));
    expect({ name, blocks: found.length }).toEqual({ name, blocks: 1 });
    return found[0]!;
  });
  return new Function("require", `${code.join("\n")}\nreturn { verifySha256, verifyTimestamped };`)(createRequire(import.meta.url));
}

const receiver = startReceiver();
afterAll(() => receiver.stop());

test("the README's verifiers accept a rotated delivery under either key; the seeds' verifiers do not", async () => {
  const { verifySha256, verifyTimestamped } = readmeVerifiers();
  // verifyTimestamped checks the timestamp against the real clock, so Herald signs with it too.
  const h = createHarness(
    (db) =>
      configFrom(`
[storage]
path = "${db}"
${LOOPBACK_SECURITY}
[[destinations]]
name = "evomi-style"
url = "${receiver.url}/sha256"
secret = ["${NEW}", "${OLD}"]
[[destinations]]
name = "spider-style"
url = "${receiver.url}/timestamped"
secret = ["${NEW}", "${OLD}"]
signature = "timestamped"
[[routes]]
name = "all"
events = ["*"]
to = ["evomi-style", "spider-style"]`),
    { realTime: { idleWakeMs: 1_000 } },
  );
  expect((await h.post("/v1/events", { event: "completed", data: { task_id: "t1" } })).status).toBe(202);
  await h.tickAndSettle();
  await receiver.waitFor(2);
  const sha = receiver.requests.find((r) => r.path === "/sha256")!;
  const stamped = receiver.requests.find((r) => r.path === "/timestamped")!;
  const shaHeader = sha.headers["x-herald-signature"]!;
  const stampedHeader = stamped.headers["x-herald-signature"]!;
  expect(shaHeader).toMatch(/^sha256=[0-9a-f]{64},sha256=[0-9a-f]{64}$/);
  expect(stampedHeader).toMatch(/^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/);

  for (const secret of [NEW, OLD]) {
    expect({ secret, sha256: verifySha256(sha.body, shaHeader, secret), timestamped: verifyTimestamped(stamped.body, stampedHeader, secret) }).toEqual({
      secret,
      sha256: true,
      timestamped: true,
    });
  }
  expect([verifySha256(sha.body, shaHeader, "some-other-secret"), verifyTimestamped(stamped.body, stampedHeader, "some-other-secret")]).toEqual([false, false]);

  // What the README warns of: the seeds' verifiers fail on the list.
  const now = Date.now() / 1000;
  expect({
    evomiNew: seedVerifyWebhook({ headers: { "x-evomi-signature": shaHeader }, body: JSON.parse(sha.body) }, NEW),
    evomiOld: seedVerifyWebhook({ headers: { "x-evomi-signature": shaHeader }, body: JSON.parse(sha.body) }, OLD),
    spiderNew: seedVerifySpider(stamped.body, stampedHeader, NEW, now),
  }).toEqual({ evomiNew: false, evomiOld: false, spiderNew: false });
});
