// "{data.task_id}" placeholders in titles, descriptions and results_url templates.

import { readPath } from "../core/routing.ts";
import type { EventEnvelope } from "../core/types.ts";

const PLACEHOLDER = /\{([A-Za-z_][\w.]*)\}/g;

/** Text with each placeholder replaced by its value (objects as JSON); a missing value is empty. */
export function renderTemplate(template: string, envelope: EventEnvelope): string {
  return template.replace(PLACEHOLDER, (_, path: string) => {
    const value = readPath(envelope, path);
    if (value === undefined || value === null) return "";
    return typeof value === "object" ? JSON.stringify(value) : String(value);
  });
}

/**
 * A results_url with its placeholders filled in (URL-encoded), or undefined when a placeholder
 * has no usable value or the URL is longer than a platform accepts: a broken link is worse than none.
 */
export function renderLink(template: string, envelope: EventEnvelope): string | undefined {
  let missing = false;
  const link = template.replace(PLACEHOLDER, (_, path: string) => {
    const value = readPath(envelope, path);
    if (value === undefined || value === null || value === "" || typeof value === "object") missing = true;
    return missing ? "" : encodeURIComponent(String(value));
  });
  return !missing && /^https?:\/\/\S+$/.test(link) && link.length <= 2000 ? link : undefined;
}
