import { GraphQLError, type ASTVisitor, type ValidationContext } from 'graphql';

/**
 * Refuses subscription operations sent as plain HTTP requests. Subscriptions are served only by
 * the gateway's graphql-ws endpoint; the Subscription fields in the subgraphs exist for
 * composition and have no resolvers, so executing one over HTTP would fail as an internal error.
 */
export function noSubscriptionsOverHttp(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== 'subscription') return;
      context.reportError(
        new GraphQLError(
          'Subscriptions are served over graphql-ws (graphql-transport-ws) at the gateway’s /graphql',
          { nodes: [operation], extensions: { code: 'BAD_USER_INPUT' } },
        ),
      );
    },
  };
}
