import type { CqlExecutor, Row, StatementOptions } from './session.js';

/**
 * Reads every row of a query page by page (the driver's `execute` answers with the first page
 * only), continuing from each page's paging state, never by offset. Yields each page's rows;
 * `fetchSize` rows at most per page (default 500).
 */
export async function* rowPages(
  db: CqlExecutor,
  query: string,
  params: readonly unknown[],
  options: Omit<StatementOptions, 'pageState'> = {},
): AsyncGenerator<readonly Row[]> {
  let pageState: string | undefined;
  do {
    const result = await db.execute(query, params, {
      ...options,
      ...(pageState === undefined ? {} : { pageState }),
    });
    yield result.rows;
    pageState = result.pageState ?? undefined;
  } while (pageState !== undefined);
}
