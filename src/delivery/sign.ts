// Request signing: pure functions from (scheme, secrets, body, id, time) to headers.
// With several secrets (rotation, newest first) every scheme carries one signature per secret.

import { createHmac } from "node:crypto";
import { STANDARD_SECRET_RULE, standardSecretKey } from "../core/standard-secret.ts";
import type { SignatureScheme } from "../core/types.ts";

export interface SignInput {
  scheme: SignatureScheme;
  secrets: readonly string[];
  /** Header for sha256 and timestamped; Standard Webhooks has fixed header names. */
  header: string;
  body: string;
  /** Event id: Standard Webhooks' webhook-id. */
  eventId: string;
  unixSeconds: number;
}

export function signatureHeaders(input: SignInput): Record<string, string> {
  const { scheme, secrets, header, body, eventId, unixSeconds } = input;
  if (scheme === "none" || secrets.length === 0) return {};
  switch (scheme) {
    case "sha256":
      return { [header]: secrets.map((secret) => `sha256=${hmacHex(secret, body)}`).join(",") };
    case "timestamped": {
      const signed = `${unixSeconds}.${body}`;
      return { [header]: [`t=${unixSeconds}`, ...secrets.map((secret) => `v1=${hmacHex(secret, signed)}`)].join(",") };
    }
    case "standard": {
      const signed = `${eventId}.${unixSeconds}.${body}`;
      return {
        "webhook-id": eventId,
        "webhook-timestamp": String(unixSeconds),
        "webhook-signature": secrets.map((secret) => `v1,${hmacBase64(standardKey(secret), signed)}`).join(" "),
      };
    }
  }
}

function hmacHex(secret: string, content: string): string {
  return createHmac("sha256", secret).update(content).digest("hex");
}

function hmacBase64(key: Uint8Array, content: string): string {
  return createHmac("sha256", key).update(content).digest("base64");
}

/**
 * The key bytes of a Standard Webhooks secret (`whsec_` + base64), decoded as the official
 * libraries decode it. The config refuses any other shape, so this throws only on a bug.
 */
export function standardKey(secret: string): Uint8Array {
  const key = standardSecretKey(secret);
  if (!key) throw new Error(STANDARD_SECRET_RULE);
  return key;
}
