import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import type { IncomingHttpHeaders } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { TokenVerifier } from '../shared/auth/index.js';
import type { EventBus } from '../shared/bus/index.js';
import { EntityClient, messagingConversationPeers } from '../shared/federation/index.js';
import {
  buildHealthReport,
  busCheck,
  refuseUntilServing,
  servingCheck,
  clientAddressResolver,
  closeServer,
  graphqlErrorHandler,
  variablesNestingPlugin,
  type JsonPostResponse,
  type RunningServer,
  answerWithApollo,
  apolloServerBasics,
  clientErrorFormatter,
  DocumentCache,
  listenThenSwap,
  peerAddressResolver,
  leanGraphqlHandler,
} from '../shared/http/index.js';
import type { Logger } from '../shared/logging/index.js';
import { createServiceMetrics, subscriptionMetrics } from '../shared/telemetry/index.js';
import { graphqlSpanPlugin, traceGraphqlRequests } from '../shared/tracing/index.js';
import type { GatewayContext } from './context.js';
import { browserRoutes } from './browser-routes.js';
import { AuthorizingDataSource } from './data-source.js';
import { explorerEnabled } from './explorer/explorer.js';
import { InflightQueries } from './inflight-queries.js';
import { leanOperationRunner } from './http/lean-runner.js';
import { prepareOperation } from './http/prepare-operation.js';
import { operationExecutor } from './http/run-operation.js';
import { subscriptionOriginCheck } from './graphql-cors.js';
import {
  checkOperationLimits,
  defaultOperationLimits,
  type OperationLimits,
} from './operation-limits.js';
import { operationLimitsPlugin } from './operation-limits-plugin.js';
import { localIntrospectionPlugin } from './introspection-plugin.js';
import { checkSubgraphs, type SubgraphEndpoint } from './subgraph-health.js';
import { gatewayOperationRunner } from './execution/operation-runner.js';
import { uploadBridge } from './uploads/upload-bridge.js';
import type { SubscriptionLimits } from './subscriptions/limits.js';
import { startSubscriptionServer, type SubscriptionServer } from './subscriptions/server.js';

export interface GatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly logger: Logger;
  /** The composed supergraph SDL (see shared/supergraph). */
  readonly supergraphSdl: string;
  /** Where each subgraph is reached; overrides the routing URLs inside the SDL. */
  readonly subgraphs: readonly SubgraphEndpoint[];
  /** What one operation may ask for (depth, aliases, top-level fields, cost). */
  readonly operationLimits?: OperationLimits;
  /** The bus the subscription bridge follows. */
  readonly bus: EventBus;
  /** Verifies the access token of each subscription socket. */
  readonly verifier: TokenVerifier;
  readonly subscriptionLimits?: Partial<SubscriptionLimits>;
  /** CIDR ranges (the ingress) whose X-Forwarded-For is believed; else the TCP peer is the client. */
  readonly trustedProxies: readonly string[];
  /** Whether `__schema`/`__type` are answered (GUARDYN_GATEWAY__INTROSPECTION); default on. */
  readonly introspection?: boolean;
  /** Browser origins allowed on `/graphql` and its sockets (GUARDYN_GATEWAY__CORS_ORIGINS). */
  readonly corsOrigins?: readonly string[];
  /** Whether identical subgraph queries in flight share one call (GUARDYN_GATEWAY__MERGE_QUERIES). */
  readonly mergeQueries?: boolean;
}

/** The largest JSON request body (a fan-out of large envelopes), on both request paths. */
const gatewayBodyLimitBytes = 16 * 1024 * 1024;
/** The gateway adds a count of open subscription sockets to what every server exposes. */
export interface RunningGateway extends RunningServer {
  readonly subscriptions: Pick<SubscriptionServer, 'connectionCount' | 'followedSubjects'>;
}

/** The public endpoint: `POST /graphql` through @apollo/gateway, `GET /health`, `GET /metrics`. */
export async function startGateway(options: GatewayOptions): Promise<RunningGateway> {
  const { logger } = options;
  const urls = new Map(options.subgraphs.map((subgraph) => [subgraph.name, subgraph.url]));
  // @apollo/gateway otherwise reports usage data to Apollo's servers every hour (it has no
  // option for this, only the variable): a messenger's server phones home to nobody.
  process.env['APOLLO_TELEMETRY_DISABLED'] = 'true';
  const inflight =
    (options.mergeQueries ?? true) ? new InflightQueries<JsonPostResponse>() : undefined;
  const gateway = new ApolloGateway({
    supergraphSdl: options.supergraphSdl,
    buildService: ({ name, url }) => {
      const subgraphUrl = urls.get(name) ?? url;
      if (!subgraphUrl) throw new Error(`no URL for the subgraph ${name}`);
      return new AuthorizingDataSource({ url: subgraphUrl, subgraphName: name, inflight });
    },
    logger,
    // Its own spans (plan, fetch) join ours; documents and error messages stay out of them.
    telemetry: { includeDocument: false, recordExceptions: false },
  });
  // The API schema (with the Subscription fields) validates graphql-ws operations.
  let apiSchema: GraphQLSchema | undefined;
  gateway.onSchemaLoadOrUpdate(({ apiSchema: loaded }) => {
    apiSchema = loaded;
  });
  const metrics = createServiceMetrics('gateway');
  const operationLimits = options.operationLimits ?? defaultOperationLimits;
  const clientAddress = clientAddressResolver(options.trustedProxies);

  const app = express();
  app.disable('x-powered-by');
  app.use(metrics.httpMiddleware);
  const corsOrigins = options.corsOrigins ?? [];
  app.use(
    browserRoutes({
      corsOrigins,
      explorer: explorerEnabled({
        nodeEnv: process.env['NODE_ENV'],
        introspection: options.introspection ?? true,
      }),
    }),
  );
  let serving = false;
  app.get('/health', async (_request, response) => {
    const report = await buildHealthReport('gateway', async () => ({
      ...servingCheck(serving),
      ...busCheck(options.bus),
      ...(await checkSubgraphs(options.subgraphs)),
    }));
    response.status(report.ready ? 200 : 503).json(report);
  });
  app.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  // Until Apollo has loaded the supergraph and the routes below are mounted: 503, not 404.
  app.use(
    '/graphql',
    refuseUntilServing('gateway', () => serving),
  );

  const listening = await listenThenSwap(app, options.host, options.port);
  const formatGatewayError = clientErrorFormatter(logger);
  const basics = apolloServerBasics({
    introspection: options.introspection ?? true,
    logger,
    server: listening.server,
    plugins: [
      // Apollo's own landing pages load from a CDN; ours is gateway/explorer.
      ApolloServerPluginLandingPageDisabled(),
      metrics.graphqlPlugin,
      operationLimitsPlugin(operationLimits),
      localIntrospectionPlugin((error) => formatGatewayError(error.toJSON(), error)),
      variablesNestingPlugin(),
      graphqlSpanPlugin(),
    ],
  });
  const apollo = new ApolloServer<GatewayContext>({ gateway, ...basics });
  await apollo.start();
  const currentSchema = () => {
    if (!apiSchema) throw new Error('the supergraph is not loaded yet');
    return apiSchema;
  };
  // Ordinary operations skip Apollo Server's pipeline (gateway/http); it answers the rest.
  const lean = {
    schema: () => apiSchema,
    documents: new DocumentCache(basics.validationRules),
    limits: operationLimits,
    execute: operationExecutor(gateway, currentSchema, logger, formatGatewayError),
    metrics,
  };
  const run = gatewayOperationRunner(apollo, leanOperationRunner(lean));
  const peerAddress = peerAddressResolver(options.trustedProxies);
  const contextOf = (headers: IncomingHttpHeaders, peer: string | undefined): GatewayContext => ({
    authorization: headers.authorization,
    // The peer, or what a trusted proxy saw; never a client-supplied X-Forwarded-For.
    clientAddress: peerAddress(peer, headers),
  });
  const leanHandler = leanGraphqlHandler({
    service: 'gateway',
    prepare: (plain) => prepareOperation(lean, plain),
    context: contextOf,
    execute: lean.execute,
    answerWithApollo: (request, response, body) =>
      answerWithApollo(apollo, request, response, body, async () =>
        contextOf(request.headers, request.socket.remoteAddress),
      ),
    express: app,
    metrics,
    corsOrigins,
    maxBodyBytes: gatewayBodyLimitBytes,
    logger,
  });
  listening.answerWith(leanHandler.http);

  const mediaUrl = urls.get('media');
  app.use(
    '/graphql',
    // Multipart uploads go to the media subgraph as streams; everything else to Apollo.
    ...(mediaUrl
      ? [
          uploadBridge({
            mediaUrl,
            schema: currentSchema,
            run,
            logger,
            clientAddress,
            verifier: options.verifier,
          }),
        ]
      : []),
    express.json({ limit: gatewayBodyLimitBytes }),
    traceGraphqlRequests('gateway'),
    expressMiddleware(apollo, {
      context: async ({ req }) => contextOf(req.headers, req.socket.remoteAddress),
    }),
  );
  app.use(graphqlErrorHandler(logger));

  const messagingUrl = urls.get('messaging');
  // The socket gauge reads the server it is handed to; it is wired once that server exists.
  let openSockets = () => 0;
  const subscriptions = startSubscriptionServer({
    metrics: subscriptionMetrics(metrics, () => openSockets()),
    httpServer: listening.server,
    path: '/graphql',
    schema: currentSchema,
    run,
    bus: options.bus,
    verifier: options.verifier,
    peers: messagingConversationPeers(
      new EntityClient(() => {
        if (!messagingUrl) throw new Error('no messaging subgraph in the supergraph');
        return messagingUrl;
      }),
    ),
    logger,
    clientAddress,
    allowOrigin: subscriptionOriginCheck(corsOrigins),
    // The same limits as over HTTP, checked before the subscription starts.
    checkLimits: (document, operationName, variables) =>
      checkOperationLimits(document, operationName, operationLimits, {
        schema: currentSchema(),
        variables,
      }),
    ...(options.subscriptionLimits ? { limits: options.subscriptionLimits } : {}),
  });

  openSockets = subscriptions.connectionCount;
  serving = true;
  logger.info({ url: `${listening.origin}/graphql` }, 'gateway listening');
  return {
    name: 'gateway',
    port: listening.port,
    origin: listening.origin,
    url: `${listening.origin}/graphql`,
    subscriptions,
    async stop() {
      // Sockets first, with a reason, so clients reconnect elsewhere; then in-flight HTTP.
      await subscriptions.close();
      await apollo.stop();
      await closeServer(listening.server);
    },
  };
}
