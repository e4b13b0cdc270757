// Bearer token checks in constant time. Comparing SHA-256 digests keeps even the token's
// length from showing in the timing.

import { createHash, timingSafeEqual } from "node:crypto";
import { HttpError } from "./errors.ts";

const digest = (text: string) => createHash("sha256").update(text).digest();

export function bearerToken(header: string | undefined): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "");
  return match?.[1];
}

export function tokenAccepted(presented: string | undefined, accepted: readonly string[]): boolean {
  if (presented === undefined) return false;
  const mine = digest(presented);
  let ok = false;
  for (const token of accepted) ok = timingSafeEqual(mine, digest(token)) || ok;
  return ok;
}

/** Who a token is for: the realm a 401 names, and the token the message asks for. */
export type TokenArea = "publish" | "admin" | "metrics";

const REALMS: Record<TokenArea, string> = { publish: "herald", admin: "herald-admin", metrics: "herald-metrics" };

/**
 * Throws the 401 unless the request carries one of the accepted tokens. Every 401 says how to
 * authenticate (RFC 9110 requires WWW-Authenticate; the Bearer scheme is RFC 6750's), so
 * clients and scrapers that react to the challenge can.
 */
export function requireToken(authorization: string | undefined, accepted: readonly string[], area: TokenArea): void {
  if (tokenAccepted(bearerToken(authorization), accepted)) return;
  throw new HttpError(401, "unauthorized", `missing or wrong bearer token (Authorization: Bearer <${area} token>)`, undefined, {
    "www-authenticate": `Bearer realm="${REALMS[area]}"`,
  });
}
