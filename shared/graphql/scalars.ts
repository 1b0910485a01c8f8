import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const base64Pattern = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function badInput(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT' } });
}

function decodeBase64(value: unknown): Uint8Array {
  if (typeof value !== 'string' || !base64Pattern.test(value)) {
    throw badInput('Base64 values must be standard, padded base64');
  }
  return new Uint8Array(Buffer.from(value, 'base64'));
}

/** Raw bytes on the wire as standard base64; resolvers see Uint8Array. */
export const Base64Scalar = new GraphQLScalarType<Uint8Array, string>({
  name: 'Base64',
  description: 'Standard base64 of raw bytes',
  serialize(value) {
    if (value instanceof Uint8Array)
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    if (typeof value === 'string' && base64Pattern.test(value)) return value;
    throw new GraphQLError('Base64 fields must be bytes');
  },
  parseValue: decodeBase64,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('Base64 values must be strings');
    return decodeBase64(ast.value);
  },
});

function parseDateTime(value: unknown): Date {
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime()))
    throw badInput('DateTime values must be ISO-8601 strings');
  return date;
}

/** ISO-8601 UTC timestamps on the wire; resolvers see Date. */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO-8601 date and time (UTC)',
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    if (typeof value === 'number') return new Date(value).toISOString();
    if (typeof value === 'string') return parseDateTime(value).toISOString();
    throw new GraphQLError('DateTime fields must be dates');
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw badInput('DateTime values must be strings');
    return parseDateTime(ast.value);
  },
});
