import { createHash } from 'node:crypto';
import {
  getOperationAST,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ValidationRule,
} from 'graphql';

/** A query text that parsed and validated against the current API schema. */
export interface ValidDocument {
  readonly document: DocumentNode;
  /** sha256 of the text, hex: the query planner's cache key, as Apollo Server computes it. */
  readonly queryHash: string;
  /**
   * Per operation name (`''` for none): the operation, and for one without variables the
   * operation-limits verdict (true: within the limits), which then cannot change.
   */
  readonly operations: Map<string, DocumentOperation>;
}

/** One operation of a valid document, and what is memoised about it. */
export interface DocumentOperation {
  readonly operation: OperationDefinitionNode;
  /** The gateway's operation-limits verdict, kept for operations without variables. */
  withinLimits?: boolean;
}

/**
 * Parsed and validated documents by query text, least recently used dropped first. A text that
 * does not parse or validate is remembered as `null`: Apollo Server answers those, with the
 * errors it has always given. A new schema (a supergraph update) empties the cache.
 */
export class DocumentCache {
  private readonly entries = new Map<string, ValidDocument | null>();
  private schema: GraphQLSchema | undefined;
  private readonly rules: readonly ValidationRule[];

  constructor(
    extraRules: readonly ValidationRule[],
    private readonly maxEntries = 1000,
    /** Longer texts are parsed and validated each time rather than kept. */
    private readonly maxQueryLength = 64 * 1024,
  ) {
    this.rules = [...specifiedRules, ...extraRules];
  }

  get size(): number {
    return this.entries.size;
  }

  /** The validated document for `query` against `schema`, or null when it has errors. */
  get(schema: GraphQLSchema, query: string): ValidDocument | null {
    if (schema !== this.schema) {
      this.entries.clear();
      this.schema = schema;
    }
    const cached = this.entries.get(query);
    if (cached !== undefined) {
      // Re-inserted: a Map iterates in insertion order, so the first key is the least recent.
      this.entries.delete(query);
      this.entries.set(query, cached);
      return cached;
    }
    const entry = this.load(schema, query);
    if (query.length <= this.maxQueryLength) {
      this.entries.set(query, entry);
      if (this.entries.size > this.maxEntries) {
        const oldest = this.entries.keys().next();
        if (!oldest.done) this.entries.delete(oldest.value);
      }
    }
    return entry;
  }

  private load(schema: GraphQLSchema, query: string): ValidDocument | null {
    let document: DocumentNode;
    try {
      document = parse(query);
    } catch {
      return null;
    }
    if (validate(schema, document, this.rules).length > 0) return null;
    return {
      document,
      queryHash: createHash('sha256').update(query).digest('hex'),
      operations: new Map(),
    };
  }
}

/** The operation `operationName` selects in the document (memoised), or null when none does. */
export function operationOf(
  valid: ValidDocument,
  operationName: string | undefined,
): DocumentOperation | null {
  const key = operationName ?? '';
  const known = valid.operations.get(key);
  if (known) return known;
  const operation = getOperationAST(valid.document, operationName);
  if (!operation) return null;
  const entry = { operation };
  // Bounded by the document's own operations (a wrong name finds none and is not kept).
  valid.operations.set(key, entry);
  return entry;
}
