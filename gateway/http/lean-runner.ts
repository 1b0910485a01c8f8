import type { OperationRequest, OperationResponse } from '../../shared/http/index.js';
import type { ServiceMetrics } from '../../shared/telemetry/index.js';
import {
  activeOperationSpan,
  nameOperationSpan,
  recordOperationErrors,
} from '../../shared/tracing/index.js';
import type { InProcessRunner } from '../execution/operation-runner.js';
import { prepareOperation, type PrepareDeps } from './prepare-operation.js';
import type { GatewayContext } from '../context.js';

export interface LeanRunnerDeps extends PrepareDeps {
  readonly execute: (request: OperationRequest<GatewayContext>) => Promise<OperationResponse>;
  readonly metrics: Pick<ServiceMetrics, 'operations'>;
}

/**
 * The lean path for operations the gateway runs in process (subscription payloads, the upload
 * bridge's follow-up query): the same checks, counts and span names as Apollo Server's
 * `executeOperation`, without its pipeline. Null hands the operation to Apollo Server.
 */
export function leanOperationRunner(deps: LeanRunnerDeps): InProcessRunner {
  return async (query, variables, credentials) => {
    const prepared = prepareOperation(deps, { query, operationName: undefined, variables });
    if (!prepared) return null;
    const { valid, operation, name } = prepared;
    const span = activeOperationSpan();
    if (span) nameOperationSpan(span, operation.operation, name);
    const done = deps.metrics.operations.time();
    const answer = await deps.execute({
      query,
      valid,
      operation,
      operationName: undefined,
      variables,
      context: {
        authorization: credentials.authorization,
        clientAddress: credentials.clientAddress,
      },
    });
    const { data, errors } = answer.result;
    if (span && answer.unformattedErrors) recordOperationErrors(span, answer.unformattedErrors);
    done(operation.operation, name, errors?.length ? 'error' : 'ok');
    return { data: data ?? null, ...(errors ? { errors } : {}) };
  };
}
