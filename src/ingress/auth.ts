// Bearer token checks in constant time. Comparing SHA-256 digests keeps even the token's
// length from showing in the timing.

import { createHash, timingSafeEqual } from "node:crypto";

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
