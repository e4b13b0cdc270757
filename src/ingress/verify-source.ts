// Verifying a provider's signature over the raw request bytes, before anything is parsed or
// stored. Every comparison is constant time (HMAC digests compared with timingSafeEqual), and
// any of the source's secrets may match (rotation).

import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { Source } from "../core/types.ts";
import { standardKey } from "../delivery/sign.ts";

export type Verdict =
  | { ok: true; /** A key that names this exact signed request, for replay protection. */ replayKey?: string }
  | { ok: false; reason: string };

export function verifySource(source: Source, headers: Headers, body: Uint8Array, nowMs: number): Verdict {
  switch (source.verify) {
    case "none":
      return { ok: true };
    case "sha256":
    case "github":
      return verifyPlain(source, headers, body);
    case "timestamped":
      return verifyTimestamped(source, headers, body, nowMs);
    case "standard":
      return verifyStandard(source, headers, body, nowMs);
  }
}

/** `sha256=<hex>` (several may be comma-separated) over the body. No timestamp: no replay protection. */
function verifyPlain(source: Source, headers: Headers, body: Uint8Array): Verdict {
  const value = headers.get(source.header);
  if (!value) return { ok: false, reason: `missing ${source.header} header` };
  const presented = value.split(",").map((part) => part.trim()).filter((part) => part.startsWith("sha256=")).map((part) => part.slice(7).toLowerCase());
  if (presented.length === 0) return { ok: false, reason: `${source.header} is not of the form sha256=<hex>` };
  const forms = [body, ...compactForm(body)];
  const matched = anyMatches(presented, source.secrets.flatMap((secret) => forms.map((form) => hmac(secret, [form], "hex"))));
  return matched ? { ok: true } : { ok: false, reason: `${source.header} does not match the body` };
}

/**
 * The body as compact JSON (JSON.stringify of the parsed body). The first seed's own verifier
 * signs that form, so a provider following it may send pretty-printed bytes signed compactly.
 * What is authenticated is still exactly the parsed content Herald stores.
 */
function compactForm(body: Uint8Array): Uint8Array[] {
  try {
    const compact = new TextEncoder().encode(JSON.stringify(JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body))));
    return Buffer.compare(Buffer.from(compact), Buffer.from(body)) === 0 ? [] : [compact];
  } catch {
    return [];
  }
}

/** `t=<unix seconds>,v1=<hex>[,v1=<hex>]` over "<t>.<body>", within the tolerance. */
function verifyTimestamped(source: Source, headers: Headers, body: Uint8Array, nowMs: number): Verdict {
  const value = headers.get(source.header);
  if (!value) return { ok: false, reason: `missing ${source.header} header` };
  const parts = value.split(",").map((part) => part.trim().split("=", 2) as [string, string | undefined]);
  const t = parts.find(([key]) => key === "t")?.[1];
  const presented = parts.filter(([key, v]) => key === "v1" && v).map(([, v]) => v!.toLowerCase());
  if (!t || !/^\d{1,12}$/.test(t) || presented.length === 0) return { ok: false, reason: `${source.header} is not of the form t=<unix seconds>,v1=<hex>` };
  const stale = outsideTolerance(Number(t), nowMs, source.toleranceMs);
  if (stale) return { ok: false, reason: `${source.header} timestamp is ${stale}` };
  const prefix = new TextEncoder().encode(`${t}.`);
  const matched = anyMatches(presented, source.secrets.map((secret) => hmac(secret, [prefix, body], "hex")));
  if (!matched) return { ok: false, reason: `${source.header} does not match the body` };
  // The replay identity is what was signed, never the header's text: an extra `v1=00`, another
  // order or other spacing around the same signature must not make a captured request new.
  return { ok: true, replayKey: `t=${t},sha256=${createHash("sha256").update(prefix).update(body).digest("hex")}` };
}

/** Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature "v1,<base64>" (space-separated). */
function verifyStandard(source: Source, headers: Headers, body: Uint8Array, nowMs: number): Verdict {
  const id = headers.get("webhook-id");
  const timestamp = headers.get("webhook-timestamp");
  const signature = headers.get("webhook-signature");
  if (!id || !timestamp || !signature) return { ok: false, reason: "missing webhook-id, webhook-timestamp or webhook-signature header" };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, reason: "webhook-timestamp is not unix seconds" };
  const stale = outsideTolerance(Number(timestamp), nowMs, source.toleranceMs);
  if (stale) return { ok: false, reason: `webhook-timestamp is ${stale}` };
  const presented = signature.split(" ").filter((part) => part.startsWith("v1,")).map((part) => part.slice(3));
  const prefix = new TextEncoder().encode(`${id}.${timestamp}.`);
  const matched = anyMatches(presented, source.secrets.map((secret) => hmacWithKey(standardKey(secret), [prefix, body])));
  // webhook-id is signed (and the spec makes it the message's idempotency key, the same on the
  // provider's retries), so it names the message whatever else the headers say.
  return matched ? { ok: true, replayKey: `webhook-id=${id}` } : { ok: false, reason: "webhook-signature does not match the body" };
}

function outsideTolerance(unixSeconds: number, nowMs: number, toleranceMs: number): string | undefined {
  const skewMs = nowMs - unixSeconds * 1000;
  if (skewMs > toleranceMs) return `${Math.round(skewMs / 1000)} s old, beyond the ${Math.round(toleranceMs / 1000)} s tolerance`;
  if (-skewMs > toleranceMs) return `${Math.round(-skewMs / 1000)} s in the future, beyond the ${Math.round(toleranceMs / 1000)} s tolerance`;
  return undefined;
}

function hmac(secret: string, parts: Uint8Array[], encoding: "hex"): string {
  const mac = createHmac("sha256", secret);
  for (const part of parts) mac.update(part);
  return mac.digest(encoding);
}

function hmacWithKey(key: Uint8Array, parts: Uint8Array[]): string {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest("base64");
}

/** Compares every presented signature with every expected one, in constant time per pair. */
function anyMatches(presented: string[], expected: string[]): boolean {
  let matched = false;
  for (const candidate of presented) {
    const a = Buffer.from(candidate);
    for (const wanted of expected) {
      const b = Buffer.from(wanted);
      matched = (a.length === b.length && timingSafeEqual(a, b)) || matched;
    }
  }
  return matched;
}
