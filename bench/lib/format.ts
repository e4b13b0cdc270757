// Number formatting shared by the bench's table and notes.

/** A number with thousands separators and a fixed number of decimals. */
export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const mb = (bytes: number) => `${fmt(bytes / 1024 / 1024, 1)} MB`;

/** One row of the table: Herald's figure, the baseline's (same run), their ratio, the target. */
export interface Row {
  what: string;
  herald: string;
  baseline: string;
  ratio: string;
  target: string;
  /** Whether the target holds; undefined for a row that only reports (no target). */
  holds: boolean | undefined;
}
