import type {
  IncomingHttpHeaders,
  IncomingMessage,
  RequestListener,
  ServerResponse,
} from 'node:http';
import { BadUserInputError, errorResponseBody, InternalError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import type { ServiceMetrics } from '../../telemetry/index.js';
import {
  activeOperationSpan,
  nameOperationSpan,
  recordOperationErrors,
  withInProcessRequestSpan,
  withRequestSpan,
} from '../../tracing/index.js';
import type { JsonPostResponse } from '../post-json.js';
import { answerType, jsonType, leanEligible, leanEligibleHeaders } from './eligible-request.js';
import { inProcessPeer, type InProcessAnswer } from './in-process.js';
import type { PreparedOperation } from './prepare.js';
import type { OperationRequest, OperationResponse } from './operation-answer.js';

/** A request body in the shape the lean path runs; anything else goes to Apollo Server. */
export interface PlainRequest {
  readonly query: string;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
}

export interface LeanHandlerOptions<Context> {
  /** The span's service name. */
  readonly service: string;
  /** Whether a request span is only made to continue a caller's trace (subgraphs). */
  readonly continueTraceOnly?: boolean;
  /** Every check Apollo Server makes before execution; null hands the request to Apollo. */
  readonly prepare: (request: PlainRequest) => PreparedOperation | null;
  /**
   * The operation's context, from the request's headers and its peer's address (loopback for a
   * call answered in process); a context that fails to build is Apollo Server's to answer.
   */
  readonly context: (
    headers: IncomingHttpHeaders,
    peer: string | undefined,
  ) => Context | Promise<Context>;
  readonly execute: (request: OperationRequest<Context>) => Promise<OperationResponse>;
  /** Apollo Server answers what the lean path does not run (see apollo-answer.ts). */
  readonly answerWithApollo: (
    request: IncomingMessage,
    response: ServerResponse,
    body: unknown,
  ) => Promise<void>;
  /** Everything that is not a plain JSON POST to /graphql: the Express app. */
  readonly express: RequestListener;
  readonly metrics: Pick<ServiceMetrics, 'operations' | 'countHttpResponse'>;
  /** Origins allowed by CORS: a browser's cross-origin call takes the Express path. */
  readonly corsOrigins: readonly string[];
  /** The JSON body limit of the Express path (larger bodies get its 413 there). */
  readonly maxBodyBytes: number;
  readonly logger: Logger;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function plainRequest(body: Record<string, unknown>): PlainRequest | null {
  const { query, operationName, variables, extensions } = body;
  if (typeof query !== 'string' || query === '') return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (variables != null && !isRecord(variables)) return null;
  // Persisted queries (APQ) are Apollo Server's, with its cache.
  if (extensions != null && (!isRecord(extensions) || 'persistedQuery' in extensions)) return null;
  return { query, operationName: operationName ?? undefined, variables: variables ?? {} };
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.once('end', () =>
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)),
    );
    request.once('error', reject);
    request.once('close', () => {
      if (!request.complete) reject(new Error('the request body ended early'));
    });
  });
}

/** A JSON answer; GraphQL results (`resultType`) carry Apollo Server's `cache-control: no-store`. */
function jsonAnswer(status: number, body: string, resultType?: string): JsonPostResponse {
  return resultType === undefined
    ? { status, contentType: jsonType, body }
    : { status, contentType: resultType, body, cacheControl: 'no-store' };
}

/** What a request that failed unexpectedly is answered, over HTTP and in process alike. */
function internalErrorAnswer(): JsonPostResponse {
  return jsonAnswer(500, JSON.stringify(errorResponseBody(new InternalError())));
}

function sendJson(response: ServerResponse, answer: JsonPostResponse): void {
  response.writeHead(answer.status, {
    ...(answer.cacheControl ? { 'cache-control': answer.cacheControl } : {}),
    'content-type': answer.contentType ?? jsonType,
    'content-length': Buffer.byteLength(answer.body),
  });
  response.end(answer.body);
}

/** What the lean path made of a request before running it. */
type Admission<Context> =
  | { readonly kind: 'answered'; readonly answer: JsonPostResponse }
  | { readonly kind: 'apollo'; readonly body: unknown }
  | {
      readonly kind: 'run';
      readonly plain: PlainRequest;
      readonly prepared: PreparedOperation;
      readonly context: Context;
    };

/**
 * `POST /graphql` without Express or Apollo Server's request pipeline for the ordinary case: a
 * JSON body whose query passes `prepare` (documents parsed and validated once per text, see
 * document-cache.ts) runs straight on `execute`, errors formatted as Apollo Server formats them.
 * Every other request, and every refusal before execution, is answered by Apollo Server or
 * Express exactly as before, so their messages, codes and statuses do not change. `inProcess`
 * answers the same way a call made from this very process (see in-process.ts), without a socket.
 */
export function leanGraphqlHandler<Context>(options: LeanHandlerOptions<Context>): {
  readonly http: RequestListener;
  readonly inProcess: InProcessAnswer;
} {
  const { metrics, logger } = options;

  /** Everything before execution: whether the lean path answers, runs, or hands the body on. */
  async function admit(
    text: string,
    headers: IncomingHttpHeaders,
    peer: string | undefined,
  ): Promise<Admission<Context>> {
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      body = undefined;
    }
    // body-parser's strict mode: only an object or an array is a JSON request body.
    if (typeof body !== 'object' || body === null) {
      const refusal = errorResponseBody(
        new BadUserInputError('the request body is not valid JSON'),
      );
      return { kind: 'answered', answer: jsonAnswer(400, JSON.stringify(refusal), undefined) };
    }
    const plain = isRecord(body) ? plainRequest(body) : null;
    const prepared = plain ? options.prepare(plain) : null;
    if (!plain || !prepared) return { kind: 'apollo', body };
    try {
      return { kind: 'run', plain, prepared, context: await options.context(headers, peer) };
    } catch {
      return { kind: 'apollo', body };
    }
  }

  async function run(
    admitted: Admission<Context> & { readonly kind: 'run' },
    accept: string | undefined,
  ): Promise<JsonPostResponse> {
    const { plain, prepared, context } = admitted;
    const { valid, operation, name } = prepared;
    const span = activeOperationSpan();
    if (span) nameOperationSpan(span, operation.operation, name);
    const done = metrics.operations.time();
    const answer = await options.execute({
      query: plain.query,
      valid,
      operation,
      operationName: plain.operationName,
      variables: plain.variables,
      context,
    });
    const { errors, data, extensions } = answer.result;
    if (span && answer.unformattedErrors) recordOperationErrors(span, answer.unformattedErrors);
    done(operation.operation, name, errors?.length ? 'error' : 'ok');
    // Apollo Server's field order (errors first) and its trailing newline.
    const json = `${JSON.stringify({ errors, data, extensions })}\n`;
    return jsonAnswer(answer.status, json, answerType(accept) ?? jsonType);
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const text = (await readBody(request)).toString('utf8');
    const admitted = await admit(text, request.headers, request.socket.remoteAddress);
    if (admitted.kind === 'apollo') {
      await options.answerWithApollo(request, response, admitted.body);
      return;
    }
    sendJson(
      response,
      admitted.kind === 'answered' ? admitted.answer : await run(admitted, request.headers.accept),
    );
  }

  const http: RequestListener = (request, response) => {
    if (!leanEligible(request, options.corsOrigins, options.maxBodyBytes)) {
      options.express(request, response);
      return;
    }
    response.once('finish', () =>
      metrics.countHttpResponse('graphql', 'POST', response.statusCode),
    );
    withRequestSpan(options.service, request, response, () => answer(request, response), {
      continueOnly: options.continueTraceOnly ?? false,
    });
  };

  function answer(request: IncomingMessage, response: ServerResponse): void {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) {
        logger.warn({ err: error }, 'request failed after its answer started');
        response.destroy();
        return;
      }
      if (!request.complete) {
        // The body never arrived whole (the client went away): nobody to answer.
        response.destroy();
        return;
      }
      logger.error({ err: error }, 'request failed');
      sendJson(response, internalErrorAnswer());
    });
  }

  const inProcess: InProcessAnswer = async (body, sent) => {
    const headers = { ...sent, 'content-length': String(Buffer.byteLength(body)) };
    if (!leanEligibleHeaders(headers, options.corsOrigins, options.maxBodyBytes)) return null;
    // Decided before the request span starts: a body handed to the HTTP path gets its span there.
    const admitted = await admit(body, headers, inProcessPeer).catch(
      (error: unknown) => ({ kind: 'failed', error }) as const,
    );
    if (admitted.kind === 'apollo') return null;
    const answer = await withInProcessRequestSpan(
      options.service,
      headers,
      async () => {
        if (admitted.kind === 'failed') throw admitted.error;
        return admitted.kind === 'answered' ? admitted.answer : run(admitted, sent['accept']);
      },
      { continueOnly: options.continueTraceOnly ?? false },
    ).catch((error: unknown) => {
      logger.error({ err: error }, 'request failed');
      return internalErrorAnswer();
    });
    metrics.countHttpResponse('graphql', 'POST', answer.status);
    return answer;
  };

  return { http, inProcess };
}
