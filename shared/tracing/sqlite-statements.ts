import type Database from 'better-sqlite3';
import { traceStatementSync } from './store-spans.js';

type StatementMethod = (...params: unknown[]) => unknown;
const tracedMethods = ['run', 'get', 'all'] as const;

/**
 * Gives every statement this database prepares from now on a span per execution (`SELECT
 * envelopes`, `db.system` sqlite), so the stores stay as they are. Call it only while tracing:
 * untraced databases keep better-sqlite3's own methods, at no cost.
 */
export function traceSqliteStatements(db: Database.Database, namespace: string): void {
  const prepare = db.prepare.bind(db);
  const tracedPrepare = (source: string) => {
    const statement = prepare(source);
    const methods = statement as unknown as Record<(typeof tracedMethods)[number], StatementMethod>;
    for (const name of tracedMethods) {
      const original = methods[name].bind(statement);
      methods[name] = (...params) =>
        traceStatementSync('sqlite', namespace, source, () => original(...params));
    }
    return statement;
  };
  db.prepare = tracedPrepare as typeof db.prepare;
}
