import { describe, expect, test } from "bun:test";
import { nonPublicReason, parseIp } from "../../src/core/addresses.ts";
import { checkUrl, type SecurityPolicy } from "../../src/core/url-policy.ts";
import { pinnedTarget } from "../../src/delivery/sender.ts";
import { guardUrl } from "../../src/delivery/ssrf-guard.ts";

const strict: SecurityPolicy = { allowHttp: false, allowPrivateNetworks: false, allowedHosts: [] };
const reasonFor = (ip: string) => nonPublicReason(parseIp(ip)!);

describe("non-public addresses", () => {
  test("every listed IPv4 range is refused; public addresses pass", () => {
    for (const ip of ["0.0.0.0", "10.1.2.3", "100.64.0.1", "127.0.0.1", "169.254.169.254", "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.1", "192.168.1.1", "198.18.0.1", "198.51.100.7", "203.0.113.9", "224.0.0.1", "255.255.255.255"]) {
      expect(reasonFor(ip)).toBeDefined();
    }
    for (const ip of ["8.8.8.8", "1.1.1.1", "172.32.0.1", "100.128.0.1"]) expect(reasonFor(ip)).toBeUndefined();
  });

  test("IPv6 ranges, and IPv6 forms that embed IPv4", () => {
    for (const ip of ["::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "ff02::1", "2001:db8::1", "::ffff:127.0.0.1", "::ffff:7f00:1", "64:ff9b::a9fe:a9fe", "2002:7f00:0001::1", "2002:a9fe:a9fe::"]) {
      expect(reasonFor(ip)).toBeDefined();
    }
    for (const ip of ["2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]) expect(reasonFor(ip)).toBeUndefined();
  });
});

describe("the IANA special-purpose registries", () => {
  test("every range that is not globally reachable is refused, with the reason a user sees", () => {
    const expected: Record<string, string> = {
      "0.1.2.3": "the unspecified network",
      "192.88.99.1": "the deprecated 6to4 relay anycast",
      "255.255.255.255": "the limited broadcast address",
      "241.0.0.1": "reserved",
      "::ffff:127.0.0.1": "loopback",
      "::ffff:10.0.0.1": "a private network",
      "::ffff:0:0": "the unspecified network",
      "::7f00:1": "the deprecated IPv4-compatible range",
      "64:ff9b::7f00:1": "loopback",
      "64:ff9b:1::808:808": "local-use IPv4/IPv6 translation",
      "100::1": "discard-only",
      "100:0:0:1::1": "the dummy prefix",
      "2001:0:4136:e378:8000:63bf:3fff:fdd2": "Teredo",
      "2001:2::1": "benchmarking",
      "2001:10::1": "ORCHID (deprecated)",
      "2001:20::1": "ORCHIDv2 (identifiers, not locators)",
      "2001:100::1": "IETF protocol assignments",
      "2002:c0a8:101::1": "a private network",
      "3fff::1": "documentation",
      "5f00::1": "SRv6 segment identifiers",
      "fec0::1": "site-local (deprecated)",
      "4000::1": "reserved (outside global unicast 2000::/3)",
      "::ffff:0:7f00:1": "reserved (outside global unicast 2000::/3)",
    };
    expect(Object.fromEntries(Object.keys(expected).map((ip) => [ip, reasonFor(ip)]))).toEqual(expected);
  });

  test("global unicast, and public IPv4 inside mapped, NAT64 and 6to4 forms, pass", () => {
    for (const ip of ["2a00:1450:4001:80b::200e", "2001:200::1", "::ffff:93.184.216.34", "64:ff9b::5db8:d822", "2002:5db8:d822::1"]) expect(reasonFor(ip)).toBeUndefined();
  });

  test("only canonical spellings parse; CIDRs need a prefix within range", () => {
    expect(parseIp("0x7f.1")).toBeUndefined();
    expect(parseIp("127.1")).toBeUndefined();
    expect(parseIp("[::1]")?.toString()).toBe("::1");
  });
});

describe("pinning the checked address", () => {
  const request = { url: "https://hooks.example.com:8443/in/s3cr3t?k=abc123", headers: { "X-A": "1" }, body: "{}" };

  test("IPv6 is bracketed, IPv4-mapped becomes IPv4, Host and the TLS name keep the name", () => {
    expect(pinnedTarget(request, "::1")).toEqual({ url: "https://[::1]:8443/in/s3cr3t?k=abc123", headers: { "X-A": "1", Host: "hooks.example.com:8443" }, serverName: "hooks.example.com" });
    expect(pinnedTarget(request, "2001:db8:0:0:0:0:0:1")).toMatchObject({ url: "https://[2001:db8::1]:8443/in/s3cr3t?k=abc123" });
    expect(pinnedTarget(request, "::ffff:93.184.216.34")).toMatchObject({ url: "https://93.184.216.34:8443/in/s3cr3t?k=abc123" });
  });

  test("an address the URL cannot carry is an error, never a fall back to the name", () => {
    expect(pinnedTarget(request, ":ffff:5db8:d822")).toEqual({ error: "could not aim the request at the checked address :ffff:5db8:d822; nothing was sent" });
  });
});

describe("URL checks", () => {
  test("decimal, hex and octal IPv4 spellings are normalised and refused", () => {
    for (const url of ["https://2130706433/", "https://0x7f.1/", "https://0177.0.0.1/", "https://127.1/", "https://[::ffff:127.0.0.1]/", "https://[::1]/"]) {
      const verdict = checkUrl(url, strict);
      expect(verdict.ok).toBe(false);
    }
  });

  test("localhost names, userinfo and odd schemes are refused", () => {
    expect(checkUrl("https://localhost./x", strict)).toEqual({ ok: false, reason: `host localhost is loopback, a non-public address; allow this host with security.allowed_hosts = ["localhost"], or every non-public address with security.allow_private_networks = true` });
    expect(checkUrl("https://api.localhost/x", strict).ok).toBe(false);
    expect(checkUrl("https://user:pw@example.com/", strict).ok).toBe(false);
    expect(checkUrl("ftp://example.com/", strict).ok).toBe(false);
    expect(checkUrl("file:///etc/passwd", strict).ok).toBe(false);
    expect(checkUrl("http://example.com/", strict).ok).toBe(false);
    expect(checkUrl("http://example.com/", { ...strict, allowHttp: true }).ok).toBe(true);
  });

  test("allowed_hosts exempts names and CIDRs", () => {
    expect(checkUrl("https://10.1.2.3/", { ...strict, allowedHosts: ["10.1.0.0/16"] }).ok).toBe(true);
    expect(checkUrl("https://10.2.2.3/", { ...strict, allowedHosts: ["10.1.0.0/16"] }).ok).toBe(false);
    expect(checkUrl("https://localhost/", { ...strict, allowedHosts: ["localhost"] }).ok).toBe(true);
  });
});

describe("after DNS resolution", () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => {
    if (!answers[host]) throw Object.assign(new Error("not found"), { code: "ENOTFOUND" });
    return answers[host]!;
  };

  test("a name that resolves to loopback or metadata is refused; only the detail names the address", async () => {
    const resolve = resolver({ "evil.example.com": ["93.184.216.34", "127.0.0.1"], "meta.example.com": ["169.254.169.254"] });
    expect(await guardUrl("https://evil.example.com/h", strict, resolve)).toEqual({
      ok: false,
      reason: `host evil.example.com resolves to a non-public address; an operator can allow this host with security.allowed_hosts = ["evil.example.com"], or every non-public address with security.allow_private_networks = true`,
      detail: `host evil.example.com resolves to 127.0.0.1, loopback, a non-public address; allow this host with security.allowed_hosts = ["evil.example.com"], or every non-public address with security.allow_private_networks = true`,
    });
    expect((await guardUrl("https://meta.example.com/h", strict, resolve)).ok).toBe(false);
  });

  test("a public name passes; an unknown one is refused with the lookup error", async () => {
    const resolve = resolver({ "ok.example.com": ["93.184.216.34", "2606:2800:220:1::1"] });
    expect(await guardUrl("https://ok.example.com/h", strict, resolve)).toEqual({ ok: true, address: "93.184.216.34" });
    expect(await guardUrl("https://missing.example.com/h", strict, resolve)).toEqual({ ok: false, reason: "host missing.example.com does not resolve (ENOTFOUND)", transient: "network" });
  });

  test("a CIDR in allowed_hosts lets a resolved private address through", async () => {
    const resolve = resolver({ "hooks.internal": ["10.1.0.5"] });
    expect(await guardUrl("https://hooks.internal/h", { ...strict, allowedHosts: ["10.1.0.0/16"] }, resolve)).toEqual({ ok: true, address: "10.1.0.5" });
  });

  test("an exempted name is still resolved here and pinned, never left to the runtime's lookup", async () => {
    const resolve = resolver({ "hooks.internal": ["10.1.0.5"] });
    expect(await guardUrl("https://hooks.internal/h", { ...strict, allowPrivateNetworks: true }, resolve)).toEqual({ ok: true, address: "10.1.0.5" });
    expect(await guardUrl("https://hooks.internal/h", { ...strict, allowedHosts: ["hooks.internal"] }, resolve)).toEqual({ ok: true, address: "10.1.0.5" });
    expect(await guardUrl("https://gone.internal/h", { ...strict, allowPrivateNetworks: true }, resolve)).toEqual({ ok: false, reason: "host gone.internal does not resolve (ENOTFOUND)", transient: "network" });
  });

  test("every call looks the name up again, and a new policy (a reload) judges a URL afresh", async () => {
    const answers: Record<string, string[]> = { "flip.example.com": ["93.184.216.34"] };
    const resolve = resolver(answers);
    expect(await guardUrl("https://flip.example.com/h", strict, resolve)).toEqual({ ok: true, address: "93.184.216.34" });
    answers["flip.example.com"] = ["10.0.0.7"];
    expect((await guardUrl("https://flip.example.com/h", strict, resolve)).ok).toBe(false);

    expect((await guardUrl("http://10.0.0.7/h", { ...strict, allowHttp: true }, resolve)).ok).toBe(false);
    expect(await guardUrl("http://10.0.0.7/h", { ...strict, allowHttp: true, allowPrivateNetworks: true }, resolve)).toEqual({ ok: true });
    expect((await guardUrl("http://10.0.0.7/h", strict, resolve)).ok).toBe(false);
  });

  test("an IPv4-mapped answer is given to the sender as plain IPv4, an IPv6 one in RFC 5952 form", async () => {
    const resolve = resolver({ "mapped.example.com": ["::ffff:93.184.216.34"], "six.example.com": ["2A00:1450:4001:080B:0000:0000:0000:200E"] });
    expect(await guardUrl("https://mapped.example.com/h", strict, resolve)).toEqual({ ok: true, address: "93.184.216.34" });
    expect(await guardUrl("https://six.example.com/h", strict, resolve)).toEqual({ ok: true, address: "2a00:1450:4001:80b::200e" });
  });
});
