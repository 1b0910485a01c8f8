import { getOperationAST, GraphQLError, parse, type DocumentNode } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';

const badInput = (message: string) =>
  new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });

/**
 * The socket serves subscriptions only: queries and mutations belong on HTTP, where the gateway
 * plans and authorizes them (over the socket they would run against a schema without
 * resolvers). Returns the error that refuses anything else, before anything runs.
 */
export function refuseUnlessSubscription(payload: SubscribePayload): GraphQLError | null {
  const parsed = parseSubscription(payload);
  return parsed instanceof GraphQLError ? parsed : null;
}

/** The document of a subscription operation, or the error that refuses the payload. */
export function parseSubscription(payload: SubscribePayload): DocumentNode | GraphQLError {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    return badInput(error instanceof GraphQLError ? error.message : 'the query does not parse');
  }
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation)
    return badInput('the document must hold one operation, or operationName must name one');
  if (operation.operation === 'subscription') return document;
  return badInput(
    `only subscriptions are served over the socket; send ${operation.operation}s over HTTP`,
  );
}
