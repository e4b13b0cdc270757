// Text tables for the terminal: left-aligned columns two spaces apart, each cell on one line.
// Shared by `herald check`, `deliveries` and `delivery`, so every listing lines up the same way.

export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows.map((row) => row.map(oneLine))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

// What a receiver's answer or a producer's data must not bring to the terminal: controls (C0,
// DEL, C1: escape sequences, bells) and format characters (Cf: bidi overrides and isolates
// such as U+202E, zero-width spaces and joiners, U+FEFF), which reorder or hide what an
// operator reads, and the Unicode line and paragraph separators.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]+/gu;
const UNSAFE_BUT_LINES = /(?:(?![\n\t])[\p{Cc}\p{Cf}\p{Zl}\p{Zp}])+/gu;

/** One table cell or value: unsafe characters (line breaks too) become a space. */
export function oneLine(text: string): string {
  const flat = text.replace(UNSAFE, " ").trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}

/** A longer text shown whole (`herald test`'s answer): as oneLine, but its lines and tabs kept. */
export function printable(text: string): string {
  return text.replace(UNSAFE_BUT_LINES, " ");
}
