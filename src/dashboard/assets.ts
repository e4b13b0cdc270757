// The dashboard's static files, embedded in the program (text imports work from source on both
// runtimes, in the Deno bundle and in the compiled binary, which has no node_modules beside it).
// Each is served under a name that carries a hash of its bytes, so it can be cached for a year:
// a new version has a new name.

import { createHash } from "node:crypto";
import htmx from "htmx.org/dist/htmx.min.js" with { type: "text" };
import css from "./dashboard.css" with { type: "text" };

export interface Asset {
  path: string;
  body: string;
  type: string;
}

const asset = (name: string, ext: string, body: string, type: string): Asset => ({
  path: `/ui/assets/${name}-${createHash("sha256").update(body).digest("hex").slice(0, 12)}.${ext}`,
  body,
  type,
});

export const ASSETS = {
  htmx: asset("htmx", "js", htmx, "text/javascript; charset=utf-8"),
  css: asset("dashboard", "css", css, "text/css; charset=utf-8"),
};
