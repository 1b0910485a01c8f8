import type { JsonPostResponse } from '../post-json.js';

/**
 * Answers a JSON POST made from this very process, as the server at that URL would over HTTP, or
 * null when only the HTTP path may answer it (Apollo Server's answers: refusals, introspection,
 * anything unusual); the caller then makes the HTTP call.
 */
export type InProcessAnswer = (
  body: string,
  headers: Readonly<Record<string, string>>,
) => Promise<JsonPostResponse | null>;

/** The peer address of a call answered in process: it comes from this host. */
export const inProcessPeer = '127.0.0.1';

/**
 * GraphQL endpoints served by this process, by URL. In embedded mode the gateway and the five
 * subgraphs share a process, and each call between them (a query plan's fetches, entity calls)
 * would otherwise cross the loopback twice: serialised, written, parsed by an HTTP server,
 * answered, written back and parsed again. A URL is registered while its server listens and
 * removed before it closes, so a stopped server is called over HTTP (and fails) as before.
 */
const endpoints = new Map<string, InProcessAnswer>();

/** Serves `url` in process until the returned function is called. */
export function serveInProcess(url: string, answer: InProcessAnswer): () => void {
  endpoints.set(url, answer);
  return () => {
    if (endpoints.get(url) === answer) endpoints.delete(url);
  };
}

/** The in-process answer of `url`, if this process serves it. */
export function inProcessEndpoint(url: string): InProcessAnswer | undefined {
  return endpoints.get(url);
}
