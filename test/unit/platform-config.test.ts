// How each platform's destinations are set up in TOML: detection from the URL, the keys a type
// takes (and the types named when a key does not apply), required keys, URL shapes, and the
// credentials each platform adds to what is never shown.
import { describe, expect, test } from "bun:test";
import { formatProblems, parseConfigText } from "../../src/config/load.ts";
import { detectDestinationType } from "../../src/platforms/registry.ts";

function parse(destination: string) {
  return parseConfigText(`[[destinations]]\nname = "d"\n${destination}\n`, "herald.toml", {});
}
const problems = (destination: string) => {
  const result = parse(destination);
  return result.ok ? [] : formatProblems(result.problems).split("\n");
};

describe("detection from the URL", () => {
  test.each([
    ["https://api.telegram.org/bot123:ABC/sendMessage", "telegram"],
    ["https://prod-12.westus.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=x", "teams"],
    ["https://default123.environment.api.powerplatform.com:443/powerautomate/automations/direct/workflows/abc/triggers/manual/paths/invoke?sig=x", "teams"],
    ["https://chat.googleapis.com/v1/spaces/AAAA/messages?key=k&token=t", "googlechat"],
    ["https://ntfy.sh/mytopic", "custom"],
    ["https://mattermost.example.com/hooks/abc", "custom"],
    ["https://chat.googleapis.com/v1/other", "custom"],
  ])("%s is %s", (url, type) => expect(detectDestinationType(url)).toBe(type));
});

describe("platform keys", () => {
  test("telegram needs chat_id and its sendMessage URL", () => {
    expect(problems(`url = "https://api.telegram.org/bot1:T/getMe"`)).toEqual([
      'destinations[0].url: must be the bot\'s sendMessage URL, "https://api.telegram.org/bot<token>/sendMessage"',
      "destinations[0].chat_id: is required for telegram destinations (the chat, group or channel to post in)",
    ]);
    expect(problems(`url = "https://api.telegram.org/bot1:T/sendMessage"\nchat_id = "my chat"`)).toEqual([
      'destinations[0].chat_id: must be a numeric chat id ("-1001234567890") or a channel username ("@mychannel")',
    ]);
  });

  test("a key another type takes names the types that take it", () => {
    expect(problems(`url = "https://hooks.slack.com/services/T/B/X"\nchat_id = "1"`)).toEqual(["destinations[0].chat_id: applies to telegram destinations only"]);
    expect(problems(`type = "ntfy"\nurl = "https://ntfy.sh/t"\nusername = "x"`)).toEqual(["destinations[0].username: applies to discord and slack destinations only"]);
    expect(problems(`url = "https://x.example.com/h"\ntitle = "t"`)).toEqual(["destinations[0].title: applies to discord, slack, telegram, teams, googlechat and ntfy destinations only"]);
    expect(problems(`url = "https://api.telegram.org/bot1:T/sendMessage"\nchat_id = 1\nsecret = "s"`)).toEqual([
      "destinations[0].secret: telegram destinations are not signed; a secret applies to custom destinations only",
    ]);
  });

  test("ntfy needs a topic URL; its token becomes a Bearer header and a credential", () => {
    expect(problems(`type = "ntfy"\nurl = "https://ntfy.sh/"`)).toEqual([
      'destinations[0].url: must be the topic\'s URL, "https://ntfy.sh/<topic>" (the topic: 1 to 64 letters, digits, "-" or "_"; no query)',
    ]);
    const result = parse(`type = "ntfy"\nurl = "https://ntfy.example.com/alerts"\ntoken = "tk_abcdefghijklmnop"`);
    if (!result.ok) throw new Error(formatProblems(result.problems));
    expect(result.config.sensitive).toContain("tk_abcdefghijklmnop");
  });

  test("the Telegram bot token, Google Chat key and token and the Teams sig are credentials", () => {
    for (const [toml, secrets] of [
      [`url = "https://api.telegram.org/bot123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage"\nchat_id = 1`, ["123456:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"]],
      [`url = "https://chat.googleapis.com/v1/spaces/S/messages?key=AIzaSyDdI0hCZtE6vySjMm&token=tokTOK123456"`, ["AIzaSyDdI0hCZtE6vySjMm", "tokTOK123456"]],
      [`url = "https://x.logic.azure.com/workflows/w/triggers/manual/paths/invoke?sig=SiGnAtUrE123"`, ["SiGnAtUrE123"]],
    ] as const) {
      const result = parse(toml);
      if (!result.ok) throw new Error(formatProblems(result.problems));
      for (const secret of secrets) expect(result.config.sensitive).toContain(secret);
    }
  });
});
