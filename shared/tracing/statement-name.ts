/** A statement as spans name it: the operation and the table, never values. */
export interface StatementName {
  /** `SELECT`, `INSERT`, `BATCH`, ... */
  readonly operation: string;
  readonly table: string | undefined;
  /** `SELECT envelopes`: the span name. */
  readonly summary: string;
}

const identifier = String.raw`("[^"]+"|[A-Za-z_][\w$]*(?:\.(?:"[^"]+"|[A-Za-z_][\w$]*))?)`;
const tablePatterns: readonly RegExp[] = [
  new RegExp(String.raw`\bFROM\s+${identifier}`, 'i'),
  new RegExp(String.raw`^INSERT\s+(?:OR\s+\w+\s+)?INTO\s+${identifier}`, 'i'),
  new RegExp(String.raw`^UPDATE\s+(?:OR\s+\w+\s+)?${identifier}`, 'i'),
  new RegExp(
    String.raw`^(?:CREATE|DROP|ALTER)\s+(?:TABLE|INDEX|KEYSPACE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?${identifier}`,
    'i',
  ),
];

const cache = new Map<string, StatementName>();

/**
 * Names a SQL or CQL statement by its first keyword and the table it touches. Only keywords and
 * identifiers are read, so values written into the text (a literal LIMIT, a pragma) never reach
 * a span. Statements are constants of the stores, so the names are cached.
 */
export function statementName(query: string): StatementName {
  const cached = cache.get(query);
  if (cached) return cached;
  const text = query.replace(/\s+/g, ' ').trim();
  const operation = (/^[A-Za-z]+/.exec(text)?.[0] ?? 'STATEMENT').toUpperCase();
  let table: string | undefined;
  for (const pattern of tablePatterns) {
    table = pattern.exec(text)?.[1];
    if (table) break;
  }
  const name = { operation, table, summary: table ? `${operation} ${table}` : operation };
  // Bounded in case a caller builds statements dynamically (e.g. IN lists of varying length).
  if (cache.size < 1000) cache.set(query, name);
  return name;
}
