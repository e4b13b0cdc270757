/** @jsxImportSource hono/jsx */
// The page shell every dashboard page shares: navigation, the logout form, the embedded styles
// and htmx (no inline script or style: the CSP forbids both). Plus the small formatting helpers
// the pages share.

import type { Child } from "hono/jsx";
import { ASSETS } from "./assets.ts";
import type { Session } from "./session.ts";

export type Section = "overview" | "deliveries" | "events" | "destinations" | "sources";

const NAV: Array<[Section, string, string]> = [
  ["overview", "/ui", "Overview"],
  ["deliveries", "/ui/deliveries", "Deliveries"],
  ["events", "/ui/events", "Events"],
  ["destinations", "/ui/destinations", "Destinations"],
  ["sources", "/ui/sources", "Sources"],
];

export interface PageProps {
  title: string;
  section?: Section;
  session?: Session;
  /** False when no login is needed (loopback without admin tokens): no logout button. */
  loggedIn?: boolean;
  children?: Child;
}

export function Page({ title, section, session, loggedIn, children }: PageProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        {/* htmx would otherwise add an inline <style>, which the CSP refuses. */}
        <meta name="htmx-config" content='{"includeIndicatorStyles":false,"allowEval":false,"allowScriptTags":false}' />
        <title>{`${title} · Herald`}</title>
        <link rel="icon" href={ASSETS.icon.path} type="image/svg+xml" />
        <link rel="stylesheet" href={ASSETS.css.path} />
        <script src={ASSETS.htmx.path} defer></script>
      </head>
      <body>
        <header>
          <a class="brand" href="/ui">Herald</a>
          {section &&
            NAV.map(([key, href, label]) => (
              <a href={href} aria-current={key === section ? "page" : undefined}>
                {label}
              </a>
            ))}
          {session && loggedIn && (
            <form method="post" action="/ui/logout">
              <Csrf session={session} />
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}

export const Csrf = ({ session }: { session: Session }) => <input type="hidden" name="_csrf" value={session.csrf} />;

/** Refreshes its contents every 5 s from the same URL (htmx picks this element out of the new page). */
export const Live = ({ id, url, children }: { id: string; url: string; children?: Child }) => (
  <div id={id} hx-get={url} hx-trigger="every 5s" hx-select={`#${id}`} hx-swap="outerHTML">
    {children}
  </div>
);

export const Status = ({ status }: { status: string }) => <span class={`status ${status}`}>{status.replace("_", " ")}</span>;

export const Notice = ({ text }: { text?: string }) => (text ? <p class="notice">{text}</p> : null);
export const Problem = ({ text }: { text?: string }) => (text ? <p class="problem">{text}</p> : null);

/** UTC, to the second: the logs' and the API's time zone. */
export const time = (ms: number | undefined) => (ms === undefined ? "-" : new Date(ms).toISOString().slice(0, 19).replace("T", " ") + "Z");

/** A span as a person reads it: "850ms", "42s", "3m 5s", "2h 10m", "3d 4h". */
export function age(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.round(ms))}ms`;
  const s = Math.floor(ms / 1000);
  const parts: Array<[number, string]> = [[Math.floor(s / 86_400), "d"], [Math.floor(s / 3600) % 24, "h"], [Math.floor(s / 60) % 60, "m"], [s % 60, "s"]];
  const first = parts.findIndex(([n]) => n > 0);
  return parts
    .slice(first, first + 2)
    .filter(([n]) => n > 0)
    .map(([n, unit]) => `${n}${unit}`)
    .join(" ");
}
