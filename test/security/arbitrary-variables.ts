import fc from 'fast-check';
import {
  getNamedType,
  GraphQLEnumType,
  GraphQLInputObjectType,
  GraphQLList,
  GraphQLNonNull,
  GraphQLScalarType,
  isCompositeType,
  type GraphQLField,
  type GraphQLInputType,
} from 'graphql';

/** Values taken from the running system, so that arbitrary input also reaches deep code paths. */
export interface KnownValues {
  readonly ids: readonly string[];
  readonly strings: readonly string[];
}

const hostileStrings = [
  '',
  ' ',
  'null',
  '0',
  '-1',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\ud800',
  '{"__proto__":{"polluted":true}}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  'a'.repeat(5_000),
  '🙂'.repeat(300),
  'guardyn.*.>',
];

const hostileNumbers = [
  0,
  -1,
  1,
  2,
  127,
  128,
  2 ** 24,
  2 ** 31 - 1,
  2 ** 31,
  -(2 ** 31),
  2 ** 53,
  1e21,
  0.5,
  -0.0,
];

/**
 * Stands for a value nested 10,000 levels deep, which JSON.stringify cannot write: the sender
 * replaces it in the serialized body with {@link deepJson}.
 */
export const deeplyNested = '\u0001deeply-nested';
export const deepJson = '['.repeat(10_000) + ']'.repeat(10_000);

/** The request body for `query` and `variables`, with {@link deeplyNested} expanded. */
export function requestBody(query: string, variables: Record<string, unknown>): string {
  return JSON.stringify({ query, variables }).replaceAll(JSON.stringify(deeplyNested), deepJson);
}

/** Anything JSON can carry, for where a value of another shape is expected. */
const anyJson = fc.oneof(
  { weight: 9, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
  { weight: 1, arbitrary: fc.constant(deeplyNested) },
);

function scalarArbitrary(type: GraphQLScalarType, known: KnownValues): fc.Arbitrary<unknown> {
  const text = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.constantFrom(...hostileStrings),
    fc.constantFrom(...known.strings),
  );
  switch (type.name) {
    case 'Int':
      return fc.oneof(
        fc.integer(),
        fc.constantFrom(...hostileNumbers),
        fc.integer({ min: 0, max: 130 }),
      );
    case 'Float':
      return fc.oneof(fc.double(), fc.constantFrom(...hostileNumbers));
    case 'Boolean':
      return fc.boolean();
    case 'ID':
      return fc.oneof(fc.constantFrom(...known.ids), fc.uuid(), text);
    case 'Base64':
      return fc.oneof(
        fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes).toString('base64')),
        fc.uint8Array({ maxLength: 40 }).map((bytes) => Buffer.from(bytes).toString('base64url')),
        text,
      );
    case 'DateTime':
      return fc.oneof(
        fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
        text,
      );
    default:
      // String, and scalars JSON cannot carry properly (Upload).
      return fc.oneof(text, anyJson);
  }
}

/**
 * Values for a GraphQL input type: mostly of the right shape with hostile leaves, sometimes
 * null, sometimes arbitrary JSON, so coercion, validation and the services' rules are all tried.
 */
export function inputArbitrary(
  type: GraphQLInputType,
  known: KnownValues,
  depth = 0,
): fc.Arbitrary<unknown> {
  const wrongShape = depth > 3 ? fc.constant(null) : anyJson;
  if (type instanceof GraphQLNonNull) {
    return fc.oneof(
      { weight: 8, arbitrary: inputArbitrary(type.ofType, known, depth) },
      { weight: 1, arbitrary: wrongShape },
    );
  }
  if (type instanceof GraphQLList) {
    return fc.oneof(
      {
        weight: 6,
        arbitrary: fc.array(inputArbitrary(type.ofType, known, depth + 1), { maxLength: 4 }),
      },
      { weight: 1, arbitrary: fc.constant(null) },
      { weight: 1, arbitrary: wrongShape },
    );
  }
  if (type instanceof GraphQLInputObjectType) {
    const fields = type.getFields();
    const record = fc.record(
      Object.fromEntries(
        Object.values(fields).map((field) => [
          field.name,
          inputArbitrary(field.type, known, depth + 1),
        ]),
      ),
      { requiredKeys: [] },
    );
    return fc.oneof(
      { weight: 6, arbitrary: record },
      {
        weight: 1,
        arbitrary: fc
          .tuple(record, fc.dictionary(fc.string({ maxLength: 8 }), anyJson, { maxKeys: 3 }))
          .map(([value, extra]) => ({ ...extra, ...value })),
      },
      { weight: 1, arbitrary: fc.constant(null) },
    );
  }
  if (type instanceof GraphQLEnumType) {
    return fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...type.getValues().map((value) => value.name)) },
      { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    );
  }
  if (type instanceof GraphQLScalarType) return scalarArbitrary(type, known);
  return wrongShape;
}

/** `mutation ($a: T!, ...) { field(a: $a, ...) { __typename } }` for one root field. */
export function operationFor(
  operation: 'query' | 'mutation',
  field: GraphQLField<unknown, unknown>,
): string {
  const variables = field.args.map((arg) => `$${arg.name}: ${arg.type.toString()}`);
  const args = field.args.map((arg) => `${arg.name}: $${arg.name}`);
  const selection = isCompositeType(getNamedType(field.type)) ? ' { __typename }' : '';
  const header = variables.length > 0 ? `(${variables.join(', ')})` : '';
  const call = args.length > 0 ? `(${args.join(', ')})` : '';
  return `${operation} Fuzz${header} { ${field.name}${call}${selection} }`;
}

/** Arbitrary variables for every argument of a field; each may also be left out. */
export function variablesArbitrary(
  field: GraphQLField<unknown, unknown>,
  known: KnownValues,
): fc.Arbitrary<Record<string, unknown>> {
  return fc.record(
    Object.fromEntries(field.args.map((arg) => [arg.name, inputArbitrary(arg.type, known)])),
    { requiredKeys: [] },
  );
}
