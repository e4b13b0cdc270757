// The ingress's error answers: {"error": {"code", "message", "issues"?}} with the right status.

import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface Issue {
  path: string;
  message: string;
}

export class HttpError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    message: string,
    readonly issues?: Issue[],
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, error: HttpError): Response {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.issues) body.issues = error.issues;
  return c.json({ error: body }, error.status);
}

export const badRequest = (message: string, issues?: Issue[]) => new HttpError(400, issues ? "invalid_body" : "invalid_json", message, issues);
