import { Agent, request } from 'undici';

/**
 * One keep-alive pool per origin for calls between our own servers (gateway → subgraph,
 * subgraph → subgraph). undici's `request` skips the WHATWG layer of `fetch` (streams, Headers,
 * abort signals per call), which profiles showed as a fifth of the gateway's time.
 */
const serviceAgent = new Agent({
  keepAliveTimeout: 30_000,
  keepAliveMaxTimeout: 600_000,
  connect: { noDelay: true },
});

/** What came back: the status, the headers we read, and the body as text. */
export interface JsonPostResponse {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

export interface JsonPostOptions {
  readonly headers: Record<string, string>;
  /** Gives up (and closes the connection) after this long without a complete answer. */
  readonly timeoutMs: number;
}

/** POSTs a JSON body to one of our servers and reads the whole answer as text. */
export async function postJson(
  url: string,
  body: string,
  options: JsonPostOptions,
): Promise<JsonPostResponse> {
  const response = await request(url, {
    method: 'POST',
    dispatcher: serviceAgent,
    headers: { 'content-type': 'application/json', ...options.headers },
    body,
    headersTimeout: options.timeoutMs,
    bodyTimeout: options.timeoutMs,
  });
  const contentType = response.headers['content-type'];
  return {
    status: response.statusCode,
    contentType: Array.isArray(contentType) ? contentType[0] : contentType,
    body: await response.body.text(),
  };
}
