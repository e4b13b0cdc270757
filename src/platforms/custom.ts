// Custom HTTP endpoints: Herald's own envelope (a source's original body, or the user's
// body_template), signed with the destination's secrets. Any status is read by the general rules: a 429 is retried like a 5xx,
// since a custom receiver has no agreed rate-limit contract. No default pacing.

import { z } from "zod";
import { customPayload } from "../delivery/format-custom.ts";
import { signatureHeaders } from "../delivery/sign.ts";
import type { Platform } from "./platform.ts";

export const custom: Platform = {
  type: "custom",
  keys: {
    body: z.enum(["envelope", "original"]).optional(),
    // Compiled and checked in config/resolve.ts (body-template.ts).
    body_template: z.string().min(1, "must not be empty").optional(),
  },
  signed: true,
  inline: true,
  format({ destination, envelope, eventId, rawBody, now }) {
    const body = customPayload(destination, envelope, rawBody, eventId);
    const signatures = signatureHeaders({
      scheme: destination.signature,
      secrets: destination.secrets,
      header: destination.signatureHeader,
      body,
      eventId,
      unixSeconds: Math.floor(now / 1000),
    });
    return { url: destination.url, headers: { "Content-Type": "application/json", ...signatures }, body };
  },
  answer: { waitsOn429: false },
  pacing: [],
};
