import { buildSubgraphSchema } from '@apollo/subgraph';
import {
  getNamedType,
  isCompositeType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  type DocumentNode,
  type GraphQLInputType,
  type GraphQLObjectType,
} from 'graphql';

/** One operation that calls a single root field with valid (made-up) arguments. */
export interface RootOperation {
  /** `Query.me`, `Mutation.login`, ... */
  readonly coordinate: string;
  readonly query: string;
  readonly variables: Record<string, unknown>;
  /** Needs a file: only a multipart request can carry it. */
  readonly needsUpload: boolean;
}

const scalarSamples: Record<string, unknown> = {
  ID: 'x',
  String: 'x',
  Int: 1,
  Float: 1,
  Boolean: true,
  Base64: 'AAAA',
  DateTime: '2026-01-01T00:00:00.000Z',
  Upload: null,
};

/** A value the type accepts: required input fields only, one element per list. */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((field) => isNonNullType(field.type) && field.defaultValue === undefined)
        .map((field) => [field.name, sample(field.type)]),
    );
  }
  return scalarSamples[type.name] ?? 'x';
}

function operationsOf(kind: string, type: GraphQLObjectType): RootOperation[] {
  return Object.values(type.getFields()).map((field) => {
    const args = field.args.filter((arg) => isNonNullType(arg.type));
    const declarations = args.map((arg) => `$${arg.name}: ${String(arg.type)}`).join(', ');
    const passed = args.map((arg) => `${arg.name}: $${arg.name}`).join(', ');
    const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
    return {
      coordinate: `${type.name}.${field.name}`,
      query: `${kind}${declarations ? ` (${declarations})` : ''} { ${field.name}${passed ? `(${passed})` : ''}${selection} }`,
      variables: Object.fromEntries(args.map((arg) => [arg.name, sample(arg.type)])),
      needsUpload: args.some((arg) => getNamedType(arg.type).name === 'Upload'),
    };
  });
}

/**
 * Every Query, Mutation and Subscription root field of a subgraph's SDL (federation's
 * `_entities` and `_service` included), each as an operation that passes validation.
 */
export function rootOperations(typeDefs: DocumentNode): RootOperation[] {
  const schema = buildSubgraphSchema([{ typeDefs }]);
  const roots: [string, GraphQLObjectType | null | undefined][] = [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
    ['subscription', schema.getSubscriptionType()],
  ];
  return roots.flatMap(([kind, type]) => (type ? operationsOf(kind, type) : []));
}
