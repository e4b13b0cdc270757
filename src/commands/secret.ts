// `herald secret`: a new random Standard Webhooks secret, `whsec_` + base64 of 32 random bytes,
// the form the official libraries decode (they base64-decode what follows `whsec_`).

import { randomBytes } from "node:crypto";

export const SECRET_BYTES = 32;

export function newStandardSecret(): string {
  return `whsec_${randomBytes(SECRET_BYTES).toString("base64")}`;
}
