import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express, { type Express } from 'express';
import { execute, type GraphQLSchema } from 'graphql';
import type { IncomingHttpHeaders } from 'node:http';
import { callerFromAuthorization, type Caller, type TokenVerifier } from '../auth/index.js';
import { requireAuthentication, type PublicField } from '../graphql/index.js';
import type { Logger } from '../logging/index.js';
import { createServiceMetrics } from '../telemetry/index.js';
import { graphqlSpanPlugin, traceGraphqlRequests } from '../tracing/index.js';
import { peerAddressResolver } from './client-address.js';
import { graphqlErrorHandler } from './error-handler.js';
import type { EventBus } from '../bus/index.js';
import { buildHealthReport, busCheck, servingCheck, type HealthCheck } from './health.js';
import { refuseUntilServing } from './starting-guard.js';
import { closeServer } from './listen.js';
import { answerWithApollo } from './lean/apollo-answer.js';
import { apolloServerBasics, listenThenSwap } from './lean/apollo-basics.js';
import { DocumentCache } from './lean/document-cache.js';
import { serveInProcess } from './lean/in-process.js';
import { leanGraphqlHandler } from './lean/lean-handler.js';
import { answerOf, answerOfThrown } from './lean/operation-answer.js';
import { prepareDocument } from './lean/prepare.js';
import { variablesNestingPlugin } from './variables-nesting.js';

/** What every subgraph resolver receives as its context. */
export interface RequestContext {
  readonly caller: Caller;
  /** The raw Authorization header, to call other subgraphs on the caller's behalf. */
  readonly authorization: string | undefined;
  /** The client's address, through trusted proxies only (for rate limits). */
  readonly clientAddress: string;
  readonly logger: Logger;
}

export interface SubgraphServerOptions {
  readonly name: string;
  readonly schema: GraphQLSchema;
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  readonly verifier: TokenVerifier;
  /** Fields open without a verified token (see shared/graphql/require-authentication.ts). */
  readonly publicFields: readonly PublicField[];
  /** CIDR ranges whose X-Forwarded-For is believed (the gateway's, in front of the subgraph). */
  readonly trustedProxies: readonly string[];
  /** Extra readiness checks beside the store's and the bus's. */
  readonly health?: HealthCheck;
  /** The process's bus: /health says `bus` is down while NATS is unreachable. */
  readonly bus?: Pick<EventBus, 'connection'>;
  /** The subgraph's store: pinged by /health, closed after the server stops. */
  readonly store?: { ping(): Promise<void>; close(): Promise<void> };
  /** Extra HTTP routes (e.g. JWKS, media downloads), mounted before /graphql. */
  readonly routes?: (app: Express) => void;
  /** Largest JSON request body in bytes; default 16 MiB (a fan-out of large envelopes). */
  readonly bodyLimitBytes?: number;
  /** Whether `__schema`/`__type` are answered (GUARDYN_GATEWAY__INTROSPECTION). */
  readonly introspection: boolean;
}

export interface RunningServer {
  readonly name: string;
  readonly port: number;
  readonly origin: string;
  /** The GraphQL endpoint. */
  readonly url: string;
  /** Graceful: stop accepting, finish in-flight requests, then close. */
  stop(): Promise<void>;
}

/** Serves one Apollo subgraph with `/graphql`, `/health` and `/metrics`. */
export async function startSubgraphServer(options: SubgraphServerOptions): Promise<RunningServer> {
  const { name, logger } = options;
  const metrics = createServiceMetrics(name);
  const app = express();
  app.disable('x-powered-by');
  app.use(metrics.httpMiddleware);
  const clientAddressOf = peerAddressResolver(options.trustedProxies);

  let serving = false;
  app.get('/health', async (_request, response) => {
    const report = await buildHealthReport(name, async () => ({
      ...servingCheck(serving),
      ...(options.store ? { store: await storeHealth(options.store) } : {}),
      ...(options.bus ? busCheck(options.bus) : {}),
      ...(await options.health?.()),
    }));
    response.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  options.routes?.(app);
  app.use(
    '/graphql',
    refuseUntilServing(name, () => serving),
  );

  const listening = await listenThenSwap(app, options.host, options.port);
  const schema = requireAuthentication(options.schema, options.publicFields);
  const basics = apolloServerBasics({
    introspection: options.introspection,
    logger,
    server: listening.server,
    plugins: [
      // Federated tracing is for Apollo's hosted reporting, which we do not use.
      ApolloServerPluginInlineTraceDisabled(),
      metrics.graphqlPlugin,
      variablesNestingPlugin(),
      graphqlSpanPlugin(),
    ],
  });
  const { formatError } = basics;
  const apollo = new ApolloServer<RequestContext>({ schema, ...basics });
  await apollo.start();

  const bodyLimitBytes = options.bodyLimitBytes ?? 16 * 1024 * 1024;
  const contextOf = async (
    headers: IncomingHttpHeaders,
    peer: string | undefined,
  ): Promise<RequestContext> => ({
    caller: await callerFromAuthorization(options.verifier, headers.authorization),
    authorization: headers.authorization,
    clientAddress: clientAddressOf(peer, headers),
    logger,
  });
  app.use(
    '/graphql',
    express.json({ limit: bodyLimitBytes }),
    traceGraphqlRequests(name, { continueOnly: true }),
    expressMiddleware(apollo, {
      context: async ({ req }) => contextOf(req.headers, req.socket.remoteAddress),
    }),
  );
  app.use(graphqlErrorHandler(logger));
  // Ordinary operations (the gateway's calls) skip Express and Apollo Server's pipeline.
  const documents = new DocumentCache(basics.validationRules);
  const lean = leanGraphqlHandler<RequestContext>({
    service: name,
    continueTraceOnly: true,
    prepare: ({ query, operationName, variables }) => {
      const prepared = prepareDocument(schema, documents, query, operationName, variables);
      if (!prepared) return null;
      const { operation } = prepared.selected;
      return { valid: prepared.valid, operation, name: operation.name?.value ?? null };
    },
    context: contextOf,
    execute: async ({ valid, operationName, variables, context }) => {
      try {
        const result = await execute({
          schema,
          document: valid.document,
          contextValue: context,
          variableValues: variables,
          operationName,
        });
        return answerOf(result, formatError);
      } catch (thrown) {
        return answerOfThrown(thrown, formatError);
      }
    },
    answerWithApollo: (request, response, body) =>
      answerWithApollo(apollo, request, response, body, () =>
        contextOf(request.headers, request.socket.remoteAddress),
      ),
    express: app,
    metrics,
    corsOrigins: [],
    maxBodyBytes: bodyLimitBytes,
    logger,
  });
  listening.answerWith(lean.http);
  const url = `${listening.origin}/graphql`;
  const stopServingInProcess = serveInProcess(url, lean.inProcess);

  serving = true;
  logger.info({ url: `${listening.origin}/graphql` }, `${name} subgraph listening`);
  return {
    name,
    port: listening.port,
    origin: listening.origin,
    url: `${listening.origin}/graphql`,
    async stop() {
      stopServingInProcess();
      await apollo.stop();
      await closeServer(listening.server);
      await options.store?.close();
    },
  };
}

async function storeHealth(store: { ping(): Promise<void> }) {
  try {
    await store.ping();
    return { status: 'ok' as const };
  } catch (error) {
    return {
      status: 'down' as const,
      detail: error instanceof Error ? error.message : String(error),
    };
  }
}
