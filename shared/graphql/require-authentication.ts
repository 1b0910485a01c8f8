import {
  defaultFieldResolver,
  isObjectType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
} from 'graphql';
import { anonymous, requirePrincipal, type Caller } from '../auth/index.js';

/**
 * A field open to callers without a verified token: `Query.x`, `Mutation.x`, `Subscription.x`
 * (root fields) or `Type.__resolveReference` (entity lookups through `_entities`).
 */
export type PublicField = `${string}.${string}`;

/** Every subgraph serves its SDL to anyone: composition tools read it without a token. */
export const federationPublicFields: readonly PublicField[] = ['Query._service'];

/** What the guard reads from a resolver's context (the subgraph's RequestContext has it). */
interface CallerContext {
  readonly caller?: Caller;
}

type ReferenceResolver = (reference: unknown, context: CallerContext, info: unknown) => unknown;

/** UNAUTHENTICATED for nobody; the token's own rejection reason for a bad token. */
function requireCaller(context: CallerContext | undefined): void {
  requirePrincipal(context?.caller ?? anonymous);
}

function rootTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return [schema.getQueryType(), schema.getMutationType(), schema.getSubscriptionType()].filter(
    (type): type is GraphQLObjectType => type !== null && type !== undefined,
  );
}

/** `@apollo/subgraph` keeps `__resolveReference` in the type's `extensions.apollo.subgraph`. */
function subgraphExtensions(type: GraphQLObjectType): { resolveReference?: unknown } | undefined {
  const apollo = type.extensions['apollo'];
  if (typeof apollo !== 'object' || apollo === null || !('subgraph' in apollo)) return undefined;
  const subgraph = apollo.subgraph;
  return typeof subgraph === 'object' && subgraph !== null ? subgraph : undefined;
}

function entityTypes(schema: GraphQLSchema): GraphQLObjectType[] {
  return Object.values(schema.getTypeMap()).filter(
    (type): type is GraphQLObjectType =>
      isObjectType(type) &&
      !type.name.startsWith('__') &&
      typeof subgraphExtensions(type)?.resolveReference === 'function',
  );
}

function guardField(field: GraphQLField<unknown, CallerContext>): void {
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, context, info) => {
    requireCaller(context);
    return resolve(source, args, context, info);
  };
  const subscribe = field.subscribe;
  if (subscribe) {
    field.subscribe = (source, args, context, info) => {
      requireCaller(context);
      return subscribe(source, args, context, info);
    };
  }
}

function guardReference(type: GraphQLObjectType): void {
  const extensions = subgraphExtensions(type);
  const resolveReference = extensions?.resolveReference as ReferenceResolver | undefined;
  if (!extensions || !resolveReference) return;
  const guarded: ReferenceResolver = (reference, context, info) => {
    requireCaller(context);
    return resolveReference(reference, context, info);
  };
  extensions.resolveReference = guarded;
}

/** Every coordinate the guard could open: root fields and entity reference resolvers. */
export function guardableFields(schema: GraphQLSchema): PublicField[] {
  return [
    ...rootTypes(schema).flatMap((type) =>
      Object.keys(type.getFields()).map((field): PublicField => `${type.name}.${field}`),
    ),
    ...entityTypes(schema).map((type): PublicField => `${type.name}.__resolveReference`),
  ];
}

/**
 * Makes every root field (Query, Mutation, Subscription, `_entities` included) and every
 * `__resolveReference` of a subgraph schema refuse callers without a verified token, except the
 * `publicFields`. Deny by default: a field added later is closed until someone opens it here.
 * Fields of the objects a root returns are not guarded (e.g. `AuthPayload.user` after `login`).
 * Wraps the schema's resolvers in place and returns it; a listed field that does not exist is an
 * error at start, so a renamed field cannot leave a stale, silently public entry.
 */
export function requireAuthentication(
  schema: GraphQLSchema,
  publicFields: readonly PublicField[],
): GraphQLSchema {
  const guardable = new Set(guardableFields(schema));
  const open = new Set(publicFields);
  const unknown = [...open].filter((field) => !guardable.has(field));
  if (unknown.length > 0) {
    throw new Error(`public fields not in the schema: ${unknown.join(', ')}`);
  }
  for (const type of rootTypes(schema)) {
    for (const field of Object.values(type.getFields())) {
      if (!open.has(`${type.name}.${field.name}`)) guardField(field);
    }
  }
  for (const type of entityTypes(schema)) {
    if (!open.has(`${type.name}.__resolveReference`)) guardReference(type);
  }
  return schema;
}
