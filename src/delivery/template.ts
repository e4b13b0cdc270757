// "{data.task_id}" placeholders in titles, descriptions and results_url templates.

import { readPath } from "../core/routing.ts";
import type { EventEnvelope } from "../core/types.ts";

export function renderTemplate(template: string, envelope: EventEnvelope, encode: (value: string) => string = (v) => v): string {
  return template.replace(/\{([A-Za-z_][\w.]*)\}/g, (_, path: string) => {
    const value = readPath(envelope, path);
    if (value === undefined || value === null) return "";
    return encode(typeof value === "object" ? JSON.stringify(value) : String(value));
  });
}
