// The ingress's error answers: {"error": {"code", "message", "issues"?}} with the right status.

import type { Context } from "hono";
import type { z } from "zod";
import { formatKeyPath } from "../core/key-path.ts";
import { nearest } from "../core/nearest.ts";
import { keysAt } from "../config/issue-messages.ts";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export interface Issue {
  path: string;
  message: string;
}

/** Seconds a client is asked to wait after a 503 of the storage: the pool reconnects within about a second. */
export const STORAGE_RETRY_AFTER_S = "2";

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

/**
 * zod's issues as Herald's: one per problem, each naming its field (unknown keys one by one,
 * with the field that was most likely meant when the schema is given).
 */
export function issuesOf(error: z.ZodError, root = "(body)", schema?: z.core.$ZodType): Issue[] {
  const unknown = (path: PropertyKey[], key: string) => {
    const meant = schema && nearest(key, keysAt(schema, path));
    return meant ? `unknown field (did you mean ${meant}?)` : "unknown field";
  };
  return flatten(error.issues, []).flatMap(({ issue, path }) =>
    issue.code === "unrecognized_keys"
      ? issue.keys.map((key) => ({ path: formatKeyPath([...path, key], root), message: unknown(path, key) }))
      : [{ path: formatKeyPath(path, root), message: issue.message }],
  );
}

type ZodIssue = z.core.$ZodIssue;

/**
 * A union (`webhook`: one object or a list) that fails says only "invalid input". When just
 * one of its forms has the input's type, that form's own issues say what is wrong inside it.
 */
function flatten(issues: readonly ZodIssue[], prefix: PropertyKey[]): Array<{ issue: ZodIssue; path: PropertyKey[] }> {
  return issues.flatMap((issue) => {
    const path = [...prefix, ...issue.path];
    if (issue.code !== "invalid_union") return [{ issue, path }];
    const fitting = issue.errors.filter((branch) => !branch.some((inner) => inner.code === "invalid_type" && inner.path.length === 0));
    return fitting.length === 1 ? flatten(fitting[0]!, path) : [{ issue, path }];
  });
}

export const describeIssues = (issues: Issue[]) => issues.map((i) => `${i.path}: ${i.message}`).join("; ");
