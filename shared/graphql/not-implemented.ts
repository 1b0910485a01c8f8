import { NotImplementedError } from '../errors/index.js';

/** Resolvers for operations whose subgraph is not built yet: each refuses with NOT_IMPLEMENTED. */
export function notImplementedResolvers(operations: readonly string[]) {
  return Object.fromEntries(
    operations.map((operation) => [
      operation,
      () => {
        throw new NotImplementedError(operation);
      },
    ]),
  );
}
