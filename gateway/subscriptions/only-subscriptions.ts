import { getOperationAST, GraphQLError, parse, type DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

/**
 * The socket serves subscriptions only: queries and mutations belong on HTTP, where the gateway
 * plans and authorizes them (over the socket they would run against a schema without
 * resolvers). Returns the error that refuses any other operation, before anything runs; a
 * document that does not parse or names no operation is left to graphql-ws's own validation.
 */
export function refuseUnlessSubscription(payload: SubscribePayload): GraphQLError | null {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch {
    return null;
  }
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation || operation.operation === 'subscription') return null;
  return new GraphQLError(
    `only subscriptions are served over the socket; send ${operation.operation}s over HTTP`,
    { extensions: { code: 'BAD_USER_INPUT' } },
  );
}
