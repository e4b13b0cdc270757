// A listing's WHERE, built from the conditions of the filters given (both backends).

/** `WHERE a AND b`, or nothing for no conditions. */
export const whereClause = (clauses: string[]) => (clauses.length ? `WHERE ${clauses.join(" AND ")}` : "");
