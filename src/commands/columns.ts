// Text tables for the terminal: left-aligned columns two spaces apart, each cell on one line.
// Shared by `herald check`, `deliveries` and `delivery`, so every listing lines up the same way.

export function table(header: string[], rows: string[][]): string {
  const all = [header, ...rows.map((row) => row.map(oneLine))];
  const widths = header.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  return all.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd()).join("\n");
}

/** Control characters from a receiver's answer must not reach the terminal. */
export function oneLine(text: string): string {
  const flat = text.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim();
  return flat.length > 160 ? `${flat.slice(0, 159)}…` : flat;
}
