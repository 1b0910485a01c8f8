import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Request, RequestHandler, Response } from 'express';
import {
  Kind,
  type FragmentDefinitionNode,
  type GraphQLFormattedError,
  type GraphQLSchema,
} from 'graphql';
import { callerFromAuthorization, type TokenVerifier } from '../../shared/auth/index.js';
import {
  BadUserInputError,
  errorResponseBody,
  InternalError,
  UnauthenticatedError,
} from '../../shared/errors/index.js';
import { classifyHttpError } from '../../shared/http/index.js';
import type { Logger } from '../../shared/logging/index.js';
import { bridgeVariable, delegatedQuery, rootField } from '../execution/delegated-query.js';
import type { OperationRunner } from '../execution/operation-runner.js';
import { encodeFirstPart, multipartBoundary, readFirstPart } from './first-part.js';
import { readUploadOperation, type UploadOperation } from './upload-operation.js';

export interface UploadBridgeOptions {
  /** The media subgraph's GraphQL URL. */
  readonly mediaUrl: string;
  readonly schema: () => GraphQLSchema;
  readonly run: OperationRunner;
  readonly logger: Logger;
  /** The client's address (shared/http/client-address.ts), forwarded in X-Forwarded-For. */
  readonly clientAddress: (request: IncomingMessage) => string;
  /** Checks the access token before any byte of the body is read or forwarded. */
  readonly verifier: TokenVerifier;
}

/** Headers Apollo Server's CSRF prevention accepts on a multipart request. */
const preflightHeaders = ['apollo-require-preflight', 'x-apollo-operation-name'];
const maxOperationsBytes = 64 * 1024;

interface GraphQLBody {
  readonly data?: Record<string, { id: string } | null> | null;
  readonly errors?: GraphQLFormattedError[];
}

/**
 * Answers, telling a keep-alive client `Connection: close` (in the headers, before the body)
 * whenever part of its body is still unread: its next request could not be parsed before that
 * rest, which nobody will read now.
 */
function answer(request: Request, response: Response, status: number, body: unknown): void {
  if (!request.complete) response.set('connection', 'close');
  response.status(status).json(body);
}

/**
 * GraphQL multipart requests (graphql-multipart-request-spec) at the gateway. @apollo/gateway
 * cannot forward them, so this bridge reads only the `operations` field, checks it is an upload
 * mutation, and streams the request on to the media subgraph with the same files (never
 * buffering them) and an operation that selects only the new media's `id`. The client's own
 * selection (e.g. `owner { username }`, owned by auth) is then resolved through the gateway as
 * `media(id)`, the way the subscription bridge resolves event payloads. Any other multipart
 * request is BAD_USER_INPUT. Non-multipart requests pass through.
 */
export function uploadBridge(options: UploadBridgeOptions): RequestHandler {
  return async (request, response, next) => {
    const contentType = request.get('content-type') ?? '';
    if (!/^multipart\/form-data\b/i.test(contentType)) {
      next();
      return;
    }
    try {
      if (!preflightHeaders.some((header) => (request.get(header) ?? '') !== '')) {
        throw new BadUserInputError(
          `multipart requests need a non-empty ${preflightHeaders.join(' or ')} header (CSRF prevention)`,
        );
      }
      // Here, not only at the media subgraph: its early 401 would race the body being forwarded.
      const caller = await callerFromAuthorization(options.verifier, request.headers.authorization);
      if (caller.kind !== 'authenticated') {
        throw caller.kind === 'rejected' ? caller.error : new UnauthenticatedError();
      }
      const boundary = multipartBoundary(contentType);
      const first = await readFirstPart(request, boundary, maxOperationsBytes);
      if (first.name !== 'operations')
        throw new BadUserInputError('the first multipart field must be "operations"');
      const upload = readUploadOperation(options.schema(), first.body);

      const forwarded = JSON.stringify({
        query: upload.subgraphQuery,
        variables: upload.variables,
        ...(upload.operationName ? { operationName: upload.operationName } : {}),
      });
      const upstream = await forward(
        options.mediaUrl,
        request,
        options.clientAddress(request),
        contentType,
        [encodeFirstPart(boundary, 'operations', forwarded), first.rest],
      );
      const body = await readJson(upstream);
      if (!body.data) {
        answer(request, response, upstream.statusCode ?? 500, body);
        return;
      }
      answer(
        request,
        response,
        200,
        await resolveSelections(options, request.headers, upload, body),
      );
    } catch (error) {
      if (response.headersSent) {
        // The failure came while the answer was being written: it cannot be completed.
        options.logger.warn({ err: error }, 'upload failed after its answer started');
        if (!response.writableEnded) response.destroy();
        return;
      }
      const { status, refusal } = classifyHttpError(error);
      if (status >= 500) options.logger.error({ err: error }, 'upload failed');
      answer(request, response, status >= 500 ? 502 : status, errorResponseBody(refusal));
    }
  };
}

/** Streams the rewritten head and then the rest of the client's body to the media subgraph. */
function forward(
  url: string,
  client: IncomingMessage,
  clientAddress: string,
  contentType: string,
  head: Buffer[],
): Promise<IncomingMessage> {
  const target = new URL(url);
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const upstream = send(target, {
      method: 'POST',
      // A connection of its own: one whose body the subgraph refused half-way is not reusable.
      agent: false,
      headers: {
        'content-type': contentType,
        'apollo-require-preflight': 'true',
        ...(client.headers.authorization ? { authorization: client.headers.authorization } : {}),
        'x-forwarded-for': clientAddress,
      },
    });
    upstream.on('response', resolve);
    upstream.on('error', reject);
    // The subgraph may answer (and refuse) before the whole body is sent.
    client.on('error', (error) => upstream.destroy(error));
    for (const chunk of head) upstream.write(chunk);
    client.pipe(upstream);
    client.resume();
  });
}

async function readJson(message: IncomingMessage): Promise<GraphQLBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of message as AsyncIterable<Buffer>) chunks.push(chunk);
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as GraphQLBody;
  } catch {
    throw new InternalError(`the media subgraph answered ${message.statusCode} without JSON`);
  }
}

/** Resolves each new media's client selection through the gateway, as `media(id)`. */
async function resolveSelections(
  options: UploadBridgeOptions,
  headers: IncomingMessage['headers'],
  upload: UploadOperation,
  body: GraphQLBody,
): Promise<GraphQLBody> {
  const fragments = upload.document.definitions.filter(
    (definition): definition is FragmentDefinitionNode =>
      definition.kind === Kind.FRAGMENT_DEFINITION,
  );
  const context = { fragments, variableDefinitions: upload.operation.variableDefinitions ?? [] };
  const data: Record<string, unknown> = {};
  const errors: GraphQLFormattedError[] = [...(body.errors ?? [])];
  for (const field of upload.fields) {
    const created = body.data?.[field.responseKey];
    if (!created) {
      data[field.responseKey] = null;
      continue;
    }
    const query = delegatedQuery(context, [rootField('media', ['id'], field.selectionSet)], {
      id: 'ID!',
    });
    const result = await options.run(
      query,
      { ...upload.variables, [bridgeVariable('id')]: created.id },
      { authorization: headers.authorization ?? '' },
    );
    data[field.responseKey] = result.data?.['guardynRoot'] ?? null;
    errors.push(...(result.errors ?? []));
  }
  return { data: data as GraphQLBody['data'], ...(errors.length > 0 ? { errors } : {}) };
}
