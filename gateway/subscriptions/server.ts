/**
 * The subscription server: graphql-ws on `/graphql`. How a bus event reaches a socket, file by
 * file (all in gateway/subscriptions unless named):
 *
 * At subscribe time
 *   ws-transport.ts       graphql-ws's `makeServer` over `ws`, one timer wheel for every ping
 *   server.ts (here)      authenticates `connection_init` (connections.ts registers the socket),
 *                         reads the document once per query text (subscription-documents.ts),
 *                         finds the root field (subscription-field.ts) and starts its stream
 *   *-stream.ts           one per field: checks rights, listens on topic-hub.ts, returns an
 *                         event-queue.ts that graphql-ws reads
 *
 * A typing event (presence subgraph publishes `guardyn.typing.<conversationId>`)
 *   topic-hub.ts          one bus subscription per subject, however many sockets follow it
 *   typing-stream.ts      parses it (shared/bus/events.ts declares every event); in-order.ts
 *                         keeps arrival order while events resolve concurrently; rights-check.ts
 *                         holds delivery until membership is confirmed (re-checked on membership
 *                         events and by timer-wheel.ts)
 *   shared-run.ts         one execution per event when viewer-independence.ts allows it
 *                         (decided once per selection: per-selection.ts), else one per socket
 *   ../execution/         operation-runner.ts resolves `user { ... }` through the gateway (the
 *                         lean path of ../http, else Apollo) with the subscriber's credentials;
 *                         delegated-query.ts wrote that query from the client's selection
 *   event-queue.ts        buffers the payload (bounded: a slow reader is closed)
 *   ws-transport.ts       graphql-ws sends it as a `next` frame; `onNext` below closes a socket
 *                         whose unsent data is over the limit
 *
 * A message (messaging stores its envelopes, publishes `guardyn.mailbox.<userId>.<deviceId>`)
 *   topic-hub.ts          as above; the hint says only "read again"
 *   message-stream.ts     reads the mailbox after its cursor with `inbox(first, after)` through
 *                         ../execution/operation-runner.ts (also on a slow poll from
 *                         timer-wheel.ts), drops envelopes already delivered
 *   event-queue.ts → ws-transport.ts, as above
 *
 * presenceChanged (presence-stream.ts) takes the typing path without sharing: each subscriber's
 * own execution says, by a hidden `presence` field, whether they may see the change.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type DocumentNode, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import type { Context } from 'graphql-ws';
import { WebSocketServer, type WebSocket } from 'ws';
import { bearerToken, type TokenVerifier } from '../../shared/auth/index.js';
import { UnauthenticatedError } from '../../shared/errors/index.js';
import type { EventBus } from '../../shared/bus/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { untilEnded, type SubscriptionMetrics } from '../../shared/telemetry/index.js';
import { CloseCode } from './close-codes.js';
import { defaultSubscriptionLimits, type SubscriptionLimits } from './limits.js';
import { ConnectionRegistry } from './connections.js';
import { messageStream } from './message-stream.js';
import { readSubscriptionField, type SubscriptionField } from './subscription-field.js';
import { SubscriptionDocuments } from './subscription-documents.js';
import type { OperationRunner } from '../execution/operation-runner.js';
import type { ConversationPeers } from '../../shared/federation/index.js';
import { presenceStream } from './presence-stream.js';
import { errorResult, type StreamDependencies, type StreamResult } from './stream-deps.js';
import type { Subscriber } from './subscriber.js';
import { TimerWheel } from './timer-wheel.js';
import { TopicHub } from './topic-hub.js';
import { typingStream } from './typing-stream.js';
import { serveGraphqlWs } from './ws-transport.js';

export interface SubscriptionServerOptions {
  readonly httpServer: Server;
  readonly path: string;
  /** The gateway's API schema, known once the gateway has loaded the supergraph. */
  readonly schema: () => GraphQLSchema;
  readonly run: OperationRunner;
  readonly bus: EventBus;
  readonly verifier: TokenVerifier;
  readonly peers: ConversationPeers;
  readonly logger: Logger;
  /** The client's address (shared/http/client-address.ts), forwarded to the subgraphs. */
  readonly clientAddress: (request: IncomingMessage) => string;
  /** Refuses an operation over the gateway's limits (depth, aliases, cost), as HTTP does. */
  readonly checkLimits?: (
    document: DocumentNode,
    operationName: string | null | undefined,
    variables: Readonly<Record<string, unknown>>,
  ) => GraphQLError | null;
  readonly limits?: Partial<SubscriptionLimits>;
  /** Counts subscriptions as GraphQL operations, and those running by field. */
  readonly metrics?: SubscriptionMetrics;
  /**
   * Whether a socket from this `Origin` (absent for native clients) may open, checked at the
   * upgrade: browsers apply no CORS to WebSockets (see shared/http/cors.ts). Default: every origin.
   */
  readonly allowOrigin?: (request: IncomingMessage) => boolean;
}

export interface SubscriptionServer {
  /** Sockets open right now. */
  readonly connectionCount: () => number;
  /** Bus subjects followed for subscriptions right now (each released with its last listener). */
  readonly followedSubjects: () => number;
  /** Closes every socket with a reason and stops accepting. */
  close(): Promise<void>;
}

/** What is kept of each socket (graphql-ws's `ctx.extra`). */
interface SocketExtra extends Record<PropertyKey, unknown> {
  readonly socket: WebSocket;
  /** The client's address (shared/http/client-address.ts), read at the upgrade. */
  readonly clientAddress: string;
}

interface ConnectionState {
  subscriber?: Subscriber;
}

type Streams = Record<
  string,
  (
    deps: StreamDependencies,
    subscriber: Subscriber,
    field: SubscriptionField,
  ) =>
    | Promise<AsyncIterableIterator<StreamResult> | StreamResult>
    | AsyncIterableIterator<StreamResult>
>;

const streams: Streams = {
  messageReceived: messageStream,
  typing: typingStream,
  presenceChanged: presenceStream,
};

/**
 * graphql-ws (`graphql-transport-ws`) on the gateway's `/graphql`, beside HTTP. @apollo/gateway
 * cannot execute subscriptions, so this bridge authenticates `connection_init`, follows the bus
 * subjects the caller may see, and resolves the client's selection set for each event through
 * the gateway with the subscriber's credentials, so federated fields work in payloads.
 */
export function startSubscriptionServer(options: SubscriptionServerOptions): SubscriptionServer {
  const limits = { ...defaultSubscriptionLimits, ...options.limits };
  const { logger } = options;
  const hub = new TopicHub(options.bus);
  const registry = new ConnectionRegistry(options.bus, logger, limits);
  const documents = new SubscriptionDocuments();
  const onTimerError = (error: unknown) =>
    logger.error({ err: error }, 'subscription timer failed');
  // One timer each for every socket's ping, every re-check of rights and every mailbox poll.
  const keepAlive =
    limits.keepAliveMs > 0 ? new TimerWheel(limits.keepAliveMs, onTimerError) : null;
  const rechecks = new TimerWheel(limits.rightsRecheckMs, onTimerError);
  const mailboxPolls = new TimerWheel(limits.mailboxPollMs, onTimerError);
  const states = new WeakMap<object, ConnectionState>();
  const stateOf = (ctx: Context<Record<string, unknown>, SocketExtra>) => {
    let state = states.get(ctx);
    if (!state) states.set(ctx, (state = {}));
    return state;
  };

  const webSocketServer = new WebSocketServer({
    server: options.httpServer,
    path: options.path,
    maxPayload: limits.maxFrameBytes,
    // 403 before the upgrade: a page of a foreign origin never gets a socket to talk on.
    verifyClient: (info, done) => {
      if (!options.allowOrigin || options.allowOrigin(info.req)) done(true);
      else done(false, 403, 'Origin not allowed');
    },
  });
  const disposable = serveGraphqlWs<Record<string, unknown>, SocketExtra>(
    {
      schema: () => options.schema(),
      connectionInitWaitTimeout: limits.connectionInitWaitMs,
      async onConnect(ctx) {
        const socket = ctx.extra.socket;
        const header =
          typeof ctx.connectionParams?.['authorization'] === 'string'
            ? ctx.connectionParams['authorization']
            : undefined;
        const token = bearerToken(header);
        let principal;
        try {
          if (!token)
            throw new UnauthenticatedError(
              'connection_init needs { authorization: "Bearer <token>" }',
            );
          principal = await options.verifier.verify(token);
        } catch (error) {
          const reason = error instanceof UnauthenticatedError ? error.message : 'Unauthorized';
          socket.close(CloseCode.Unauthorized, reason.slice(0, 120));
          return false;
        }
        const opened = registry.open(principal, socket);
        if ('refused' in opened) {
          socket.close(opened.refused, opened.reason);
          return false;
        }
        stateOf(ctx).subscriber = {
          principal,
          credentials: {
            // The client's own string when it is already in this form: one copy per socket.
            authorization: header === `Bearer ${token}` ? header : `Bearer ${token}`,
            clientAddress: ctx.extra.clientAddress,
          },
          connectionId: opened.connectionId,
        };
        return true;
      },
      onClose(ctx) {
        const subscriber = states.get(ctx)?.subscriber;
        if (subscriber) registry.close(subscriber.connectionId);
      },
      onSubscribe(ctx, _id, payload) {
        const schema = options.schema();
        const read = documents.read(schema, payload);
        if ('refused' in read) return [read.refused];
        const { document } = read;
        const overLimit = options.checkLimits?.(
          document,
          payload.operationName,
          payload.variables ?? {},
        );
        if (overLimit) return [overLimit];
        // graphql-ws registers the subscription before this hook runs.
        if (Object.keys(ctx.subscriptions).length > limits.maxSubscriptionsPerConnection) {
          return [
            new GraphQLError(
              `at most ${limits.maxSubscriptionsPerConnection} subscriptions per connection`,
              {
                extensions: { code: 'RATE_LIMITED', retryAfterSeconds: 1 },
              },
            ),
          ];
        }
        // Validated here (once per query text) rather than by graphql-ws for each subscription.
        if (read.validationErrors.length > 0) return [...read.validationErrors];
        return {
          schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
        };
      },
      onNext(ctx) {
        if (ctx.extra.socket.bufferedAmount > limits.maxBufferedBytes) dropSlow(ctx.extra.socket);
      },
      context: (ctx) => ({ subscriber: states.get(ctx)?.subscriber, socket: ctx.extra.socket }),
      subscribe: (args: ExecutionArgs) => subscribe(args),
    },
    webSocketServer,
    {
      extra: (socket, request) => ({ socket, clientAddress: options.clientAddress(request) }),
      keepAlive,
      // ws closes the socket itself with the fitting code (1009 over maxPayload, 1002, 1007).
      onSocketError: (error) =>
        logger.debug({ err: error }, 'subscription socket closed on a protocol error'),
      onServerError: (error) => logger.error({ err: error }, 'subscription server error'),
      onUnansweredPing: () => options.metrics?.dropped('unanswered_ping'),
    },
  );

  /** Ends a socket that fell too far behind (once: later events find it closing). */
  function dropSlow(socket: WebSocket): void {
    if (socket.readyState !== socket.OPEN) return;
    socket.close(CloseCode.SlowConsumer, 'Slow consumer');
    options.metrics?.dropped('slow_consumer');
  }

  async function subscribe(
    args: ExecutionArgs,
  ): Promise<AsyncIterableIterator<StreamResult> | StreamResult> {
    const { subscriber, socket } = args.contextValue as {
      subscriber?: Subscriber;
      socket: WebSocket;
    };
    if (!subscriber) return errorResult('Not authenticated', 'UNAUTHENTICATED');
    const field = readSubscriptionField(
      args.schema,
      args.document,
      args.operationName,
      (args.variableValues ?? {}) as Record<string, unknown>,
    );
    const stream = streams[field.fieldName];
    if (!stream)
      return errorResult(
        `${field.fieldName} is not a subscription this gateway serves`,
        'BAD_USER_INPUT',
      );
    const deps: StreamDependencies = {
      schema: args.schema,
      run: options.run,
      hub,
      peers: options.peers,
      maxQueuedResults: limits.maxQueuedResults,
      mailboxPolls,
      rechecks,
      onSlowConsumer: () => dropSlow(socket),
      onError: (error) =>
        logger.error({ err: error, subscription: field.fieldName }, 'subscription event failed'),
    };
    try {
      const result = await stream(deps, subscriber, field);
      if (!options.metrics) return result;
      if (!(Symbol.asyncIterator in result)) {
        options.metrics.refused(args.operationName);
        return result;
      }
      return untilEnded(result, options.metrics.started(field.fieldName, args.operationName));
    } catch (error) {
      logger.error({ err: error }, 'subscription refused');
      return errorResult('Internal server error', 'INTERNAL');
    }
  }

  return {
    connectionCount: () => registry.size,
    followedSubjects: () => hub.subjectCount,
    async close() {
      registry.closeAll(CloseCode.GoingAway, 'Server shutting down');
      registry.dispose();
      for (const wheel of [keepAlive, rechecks, mailboxPolls]) wheel?.dispose();
      await disposable.dispose();
      await new Promise<void>((resolve) => webSocketServer.close(() => resolve()));
    },
  };
}
