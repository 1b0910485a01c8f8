import type { IncomingMessage, ServerResponse } from 'node:http';
import { HeaderMap, type ApolloServer } from '@apollo/server';

/**
 * Answers an already parsed JSON body through Apollo Server, as its Express middleware would:
 * the lean path hands over every request it does not run itself (errors before execution,
 * introspection, persisted queries, unusual bodies), so those keep Apollo's exact answers.
 */
export async function answerWithApollo<Context extends object>(
  apollo: ApolloServer<Context>,
  request: IncomingMessage,
  response: ServerResponse,
  body: unknown,
  /** The context function the Express middleware would call. */
  context: () => Promise<Context>,
): Promise<void> {
  const headers = new HeaderMap();
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
  }
  const answer = await apollo.executeHTTPGraphQLRequest({
    httpGraphQLRequest: { method: 'POST', headers, search: '', body },
    context,
  });
  for (const [name, value] of answer.headers) response.setHeader(name, value);
  response.statusCode = answer.status ?? 200;
  if (answer.body.kind === 'complete') {
    response.setHeader('content-length', Buffer.byteLength(answer.body.string));
    response.end(answer.body.string);
    return;
  }
  for await (const chunk of answer.body.asyncIterator) response.write(chunk);
  response.end();
}
