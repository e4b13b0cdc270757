// Which runtime runs Herald, decided once here. Every module that differs between Bun and Deno
// asks this instead of probing globals itself.

/** "deno" under Deno (which defines the Deno global), "bun" otherwise. */
export const RUNTIME: "bun" | "deno" = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined" ? "deno" : "bun";
