import { GraphQLError, validate, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { parseSubscription } from './only-subscriptions.js';

const maxCachedQueryLength = 8 * 1024;

/** What a query text comes to: its document, or the errors that refuse it. */
export type ReadDocument =
  | { readonly document: DocumentNode; readonly validationErrors: readonly GraphQLError[] }
  | { readonly refused: GraphQLError };

/**
 * Parsed and validated subscription documents by query text, for one schema at a time: 10,000
 * devices subscribing with the same query share one document (and everything the streams derive
 * from it, cached on its nodes) instead of parsing and validating it 10,000 times and holding
 * 10,000 copies. The answer is exactly what parsing and validating would give: both depend on
 * the text and the schema alone. Bounded: the least recently read text goes first.
 */
export class SubscriptionDocuments {
  private readonly byQuery = new Map<string, ReadDocument>();
  private schema: GraphQLSchema | undefined;

  constructor(private readonly maxEntries = 500) {}

  /** Parses (subscriptions only, see only-subscriptions.ts) and validates, or reuses. */
  read(schema: GraphQLSchema, payload: SubscribePayload): ReadDocument {
    if (schema !== this.schema) {
      this.byQuery.clear();
      this.schema = schema;
    }
    // The operation name is part of the key: it decides whether the document is a subscription.
    const key = `${payload.operationName ?? ''}\n${payload.query}`;
    const known = this.byQuery.get(key);
    if (known) {
      this.byQuery.delete(key);
      this.byQuery.set(key, known);
      return known;
    }
    const parsed = parseSubscription(payload);
    const read: ReadDocument =
      parsed instanceof GraphQLError
        ? { refused: parsed }
        : { document: parsed, validationErrors: validate(schema, parsed) };
    // Real subscriptions are short; a long text would hold much memory for little reuse.
    if (key.length > maxCachedQueryLength) return read;
    this.byQuery.set(key, read);
    if (this.byQuery.size > this.maxEntries) {
      this.byQuery.delete(this.byQuery.keys().next().value as string);
    }
    return read;
  }

  get size(): number {
    return this.byQuery.size;
  }
}
