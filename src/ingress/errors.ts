// The ingress's error answers: {"error": {"code", "message", "issues"?}} with the right status.

import type { Context } from "hono";
import type { z } from "zod";
import { formatKeyPath } from "../core/key-path.ts";
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
    /** Extra answer headers, e.g. Retry-After on a 503. */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

export function errorResponse(c: Context, error: HttpError): Response {
  const body: Record<string, unknown> = { code: error.code, message: error.message };
  if (error.issues) body.issues = error.issues;
  return c.json({ error: body }, error.status, error.headers);
}

export const badRequest = (message: string, issues?: Issue[]) => new HttpError(400, issues ? "invalid_body" : "invalid_json", message, issues);

/** zod's issues as Herald's: one per problem, each naming its field (unknown keys one by one). */
export function issuesOf(error: z.ZodError, root = "(body)"): Issue[] {
  return error.issues.flatMap((issue) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatKeyPath([...issue.path, key], root), message: "unknown field" }))
      : [{ path: formatKeyPath(issue.path, root), message: issue.message }],
  );
}

export const describeIssues = (issues: Issue[]) => issues.map((i) => `${i.path}: ${i.message}`).join("; ");
