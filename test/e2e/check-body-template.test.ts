// `herald check` on body_template: a template that is not JSON for every value, a bad
// placeholder, or one on a chat destination is exit 1 with the key and the position on stderr.
// `herald test` sends its sample in the template's shape.
import { describe, expect, test } from "bun:test";
import { LOOPBACK_SECURITY } from "../helpers/config.ts";
import { runHerald, writeConfig } from "../helpers/daemon.ts";
import { startReceiver } from "../helpers/receiver.ts";

const withDestination = (keys: string) => writeConfig(`[storage]\npath = "{{db}}"\n[[destinations]]\nname = "x"\nurl = "https://x.example.com/h"\n${keys}\n`);

describe("herald check: body_template", () => {
  test("a valid template passes and is shown", async () => {
    const ok = withDestination(`body_template = '''{"text": "{event}: {data.url}", "count": {data.pages}}'''`);
    const text = await runHerald(["check", "--config", ok.path]);
    expect(text).toMatchObject({ code: 0, stderr: "" });
    expect(text.stdout).toMatch(/\n {2}x +custom +https:\/\/x\.example\.com\/\*\*\* +none \(unsigned\) +- +body_template\n/);
    expect(JSON.parse((await runHerald(["check", "--json", "--config", ok.path])).stdout).destinations[0].body).toBe("template");
  });

  test("mistakes are named by key and position; no URL is repeated", async () => {
    const bad = writeConfig(`[storage]\npath = "{{db}}"
[[destinations]]
name = "a"
url = "https://a.example.com/secret-path"
body_template = '''
{"text": "{event}"
 "count": {data.pages}}'''
[[destinations]]
name = "b"
url = "https://b.example.com/h"
body_template = '{"at": "{tiemstamp}"}'
[[destinations]]
name = "c"
url = "https://discord.com/api/webhooks/1/token"
body_template = '{"a": 1}'
[[destinations]]
name = "d"
url = "https://d.example.com/h"
body = "original"
body_template = '{"a": {data}}'
`);
    const result = await runHerald(["check", "--config", bad.path]);
    expect(result).toEqual({
      code: 1,
      stdout: "",
      stderr: [
        "destinations[0].body_template: is not valid JSON at line 2, column 2: a comma is expected",
        "destinations[1].body_template: unknown placeholder {tiemstamp} at line 1, column 9; did you mean {timestamp}?",
        "destinations[2].body_template: applies to custom destinations only",
        'destinations[3].body_template: replaces the envelope; it cannot be combined with body = "original"',
        "",
      ].join("\n"),
    });
    expect(result.stderr).not.toContain("secret-path");
  });
});

describe("herald test: body_template", () => {
  test("the sample event is sent in the template's shape", async () => {
    const receiver = startReceiver();
    try {
      const { path } = writeConfig(`[storage]\npath = "{{db}}"\n${LOOPBACK_SECURITY}\n[[destinations]]\nname = "api"\nurl = "${receiver.url}/hook"\nbody_template = '{"text": "{event} {data.task_id}", "credits": {data.credits_used}}'\n`);
      expect((await runHerald(["test", "api", "--config", path, "--event", "completed"])).code).toBe(0);
      expect(receiver.requests.map((r) => r.body)).toEqual(['{"text": "completed test_123", "credits": 5}']);
    } finally {
      receiver.stop();
    }
  });
});
