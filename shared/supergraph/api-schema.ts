import { Supergraph } from '@apollo/federation-internals';
import { printSchema, type GraphQLSchema } from 'graphql';

/**
 * The client-facing schema of a composed supergraph: no federation types or directives, no
 * `@inaccessible` fields. It is what the gateway serves, and what codegen and IDEs read.
 */
export function apiSchemaOf(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** `schema/api.graphql`'s text: the API schema as SDL, ending in one newline. */
export function printApiSchema(supergraphSdl: string): string {
  return `${printSchema(apiSchemaOf(supergraphSdl)).trimEnd()}\n`;
}
