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

// Linked from every page: without it a browser asks for /favicon.ico, a 404 in its console.
const ICON = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16"><rect width="16" height="16" rx="3" fill="#175cd3"/><path d="M4 3h2v4h4V3h2v10h-2V9H6v4H4z" fill="#fff"/></svg>`;

export const ASSETS = {
  icon: asset("icon", "svg", ICON, "image/svg+xml"),
  htmx: asset("htmx", "js", htmx, "text/javascript; charset=utf-8"),
  css: asset("dashboard", "css", css, "text/css; charset=utf-8"),
};
