import type { GraphQLFormattedError, ValidationRule } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import type { RequestListener, Server } from 'node:http';
import { formatClientError } from '../../errors/index.js';
import { introspectionRules, noSubscriptionsOverHttp } from '../../graphql/index.js';
import type { Logger } from '../../logging/index.js';
import { listen, type ListeningServer } from '../listen.js';

/**
 * What the gateway's and every subgraph's Apollo Server are configured with alike: the drain of
 * `server` first among the plugins, then `plugins`; the lean path's document cache validates with
 * the same `validationRules` and formats errors with the same `formatError`.
 */
export function apolloServerBasics(options: {
  readonly introspection: boolean;
  readonly logger: Logger;
  readonly server: Server;
  readonly plugins: readonly ApolloServerPlugin[];
}) {
  const validationRules: ValidationRule[] = [
    noSubscriptionsOverHttp,
    ...introspectionRules(options.introspection),
  ];
  return {
    includeStacktraceInErrorResponses: false,
    // Shutdown is ours (main.ts): Apollo must not race it with its own signal handlers.
    stopOnTerminationSignals: false,
    // Ours refuse introspection with a message naming our setting: see introspectionRules.
    introspection: true,
    validationRules,
    logger: options.logger,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer: options.server }),
      ...options.plugins,
    ],
    formatError: clientErrorFormatter(options.logger),
  };
}

/** Apollo's `formatError`, and the lean path's: shared/errors' formatter, hidden errors logged. */
export function clientErrorFormatter(
  logger: Logger,
): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) =>
    formatClientError(formatted, error, (hidden) =>
      logger.error({ err: hidden }, 'request failed'),
    );
}

/**
 * Listens before Apollo Server starts (its drain plugin needs the server) with `first` answering
 * every request until `answerWith` hands them to the lean path.
 */
export async function listenThenSwap(
  first: RequestListener,
  host: string,
  port: number,
): Promise<ListeningServer & { answerWith(handler: RequestListener): void }> {
  let handler = first;
  const listening = await listen((request, response) => handler(request, response), host, port);
  return { ...listening, answerWith: (next) => (handler = next) };
}
