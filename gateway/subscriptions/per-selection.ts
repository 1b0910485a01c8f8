import type { GraphQLSchema, SelectionSetNode } from 'graphql';

/**
 * What a stream derives from a subscription's selection (the delegated query, which fields it
 * reads, whether it is viewer-independent), computed once per selection and schema. Documents
 * are shared by query text (subscription-documents.ts), so the 10,000 subscriptions of one
 * query hold one derivation between them rather than 10,000 equal copies.
 */
export class PerSelection<T> {
  private readonly derived = new WeakMap<
    SelectionSetNode,
    { readonly schema: GraphQLSchema; readonly value: T }
  >();

  get(schema: GraphQLSchema, selectionSet: SelectionSetNode, derive: () => T): T {
    const known = this.derived.get(selectionSet);
    if (known?.schema === schema) return known.value;
    const value = derive();
    this.derived.set(selectionSet, { schema, value });
    return value;
  }
}
