// The shared conditions (event-filter.ts, delivery-rows.ts, operator-rules.ts) are written with
// `?`; PostgreSQL numbers its parameters. Building a statement from the filters given, rather
// than one statement with "$1 IS NULL OR ..." guards, gives each set of filters its own text
// (so its own prepared statement and cached plan) with only conditions an index can serve.

export type Param = string | number | string[];

/**
 * Each clause with its `?` numbered after the parameters already in `params`, to which its
 * value is appended. Clauses that `bigint` picks get a typed placeholder: their column is a
 * bigint, and an untyped parameter would be compared as text.
 */
export function numbered(conditions: ReadonlyArray<{ clause: string; value: string | number }>, params: Param[], bigint: (clause: string) => boolean = () => false): string[] {
  return conditions.map(({ clause, value }) => {
    params.push(value);
    return clause.replace("?", bigint(clause) ? `$${params.length}::bigint` : `$${params.length}`);
  });
}
