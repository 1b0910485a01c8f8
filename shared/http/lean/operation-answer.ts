import {
  GraphQLError,
  Kind,
  type ExecutionResult,
  type GraphQLFormattedError,
  type OperationDefinitionNode,
} from 'graphql';
import type { ValidDocument } from './document-cache.js';

/** Formats one error as Apollo Server's `formatError` does: (formatted, original). */
export type ErrorFormatter = (
  formatted: GraphQLFormattedError,
  error: unknown,
) => GraphQLFormattedError;

/** An operation that passed every check before execution, with the context it runs in. */
export interface OperationRequest<Context> {
  readonly query: string;
  readonly valid: ValidDocument;
  readonly operation: OperationDefinitionNode;
  readonly operationName: string | undefined;
  readonly variables: Record<string, unknown>;
  readonly context: Context;
}

/** What goes back to the client: the HTTP status and the result, errors formatted. */
export interface OperationResponse {
  readonly status: number;
  readonly result: {
    readonly errors?: readonly GraphQLFormattedError[];
    readonly data?: Record<string, unknown> | null;
    readonly extensions?: Record<string, unknown>;
  };
  /** The errors before formatting, as Apollo Server's plugins see them (the span's codes). */
  readonly unformattedErrors?: readonly GraphQLError[];
}

/** graphql-js's messages for a variable that does not coerce (Apollo Server's test, verbatim). */
function isVariableCoercionError(error: GraphQLError): boolean {
  const node = error.nodes?.length === 1 ? error.nodes[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return false;
  const prefix = `Variable "$${node.variable.name.value}" `;
  return ['has invalid value', 'got invalid value ', 'of required type ', 'of non-null type '].some(
    (rest) => error.message.startsWith(prefix + rest),
  );
}

/**
 * Apollo Server's error normalisation (errorNormalize.ts), then the service's formatter: a code
 * on every error (`INTERNAL_SERVER_ERROR` when none), an `extensions.http.status` taken out
 * into the response status.
 */
function formatErrors(
  errors: readonly GraphQLError[],
  formatError: ErrorFormatter,
): { formatted: GraphQLFormattedError[]; status: number | undefined; unformatted: GraphQLError[] } {
  let status: number | undefined;
  const unformatted = errors.map((original) =>
    isVariableCoercionError(original) && original.extensions['code'] == null
      ? new GraphQLError(original.message, {
          nodes: original.nodes ?? null,
          originalError: original.originalError ?? original,
          extensions: { ...original.extensions, code: 'BAD_USER_INPUT' },
        })
      : original,
  );
  const formatted = unformatted.map((error) => {
    const extensions: Record<string, unknown> = {
      ...error.extensions,
      code: error.extensions['code'] ?? 'INTERNAL_SERVER_ERROR',
    };
    const http = extensions['http'] as { status?: unknown } | undefined;
    if (http && typeof http === 'object') {
      if (typeof http.status === 'number') status = http.status;
      delete extensions['http'];
    }
    try {
      return formatError({ ...error.toJSON(), extensions }, error);
    } catch {
      return { message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    }
  });
  return { formatted, status, unformatted };
}

/** Whatever was thrown, as a GraphQLError (Apollo Server's `ensureGraphQLError`). */
function asGraphQLError(thrown: unknown): GraphQLError {
  if (thrown instanceof GraphQLError) return thrown;
  if (thrown instanceof Error) return new GraphQLError(thrown.message, { originalError: thrown });
  return new GraphQLError(`Unexpected error value: ${String(thrown)}`);
}

/**
 * An execution's result shaped as Apollo Server answers it: 200, or 400 for a variable that does
 * not coerce (no data), or the status an error's `extensions.http` names.
 */
export function answerOf(
  result: ExecutionResult<Record<string, unknown>>,
  formatError: ErrorFormatter,
): OperationResponse {
  if (!result.errors?.length) return { status: 200, result };
  // @apollo/gateway passes on what a subgraph call threw as it is (not always a GraphQLError):
  // wrapped as Apollo Server's ensureGraphQLError does, the cause kept as `originalError`.
  const errors: readonly unknown[] = result.errors;
  const { formatted, status, unformatted } = formatErrors(errors.map(asGraphQLError), formatError);
  return {
    status: status ?? (result.data === undefined ? 400 : 200),
    result: { ...result, errors: formatted },
    unformattedErrors: unformatted,
  };
}

/** An executor that threw, answered as Apollo Server does: 500 unless the error names a status. */
export function answerOfThrown(thrown: unknown, formatError: ErrorFormatter): OperationResponse {
  const { formatted, status, unformatted } = formatErrors([asGraphQLError(thrown)], formatError);
  return { status: status ?? 500, result: { errors: formatted }, unformattedErrors: unformatted };
}
