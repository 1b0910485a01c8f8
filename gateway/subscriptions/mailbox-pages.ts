/**
 * How many envelopes the message stream reads per mailbox page. A page is held whole while it is
 * delivered (the subgraph's answer, its parsed edges, the results queued for the socket), so its
 * size follows the bytes of the envelopes seen so far: many small ones, few large ones. A backlog
 * of 100 envelopes of 256 KiB read at once would hold about 50 MiB for one socket; this holds
 * about `pageBudgetBytes`.
 */
export const firstPageSize = 10;
export const maxPageSize = 100;
export const pageBudgetBytes = 1024 * 1024;

/** The approximate bytes of an edge: its strings (content is base64 text) and a little more. */
function edgeBytes(edge: Readonly<Record<string, unknown>>): number {
  let bytes = 64;
  for (const value of Object.values(edge)) if (typeof value === 'string') bytes += value.length;
  return bytes;
}

/** The next page's size after reading `edges`: as many as fit the budget, 1 to maxPageSize. */
export function nextPageSize(edges: readonly Readonly<Record<string, unknown>>[]): number {
  if (edges.length === 0) return firstPageSize;
  let bytes = 0;
  for (const edge of edges) bytes += edgeBytes(edge);
  const perEnvelope = bytes / edges.length;
  return Math.max(1, Math.min(maxPageSize, Math.floor(pageBudgetBytes / perEnvelope)));
}
