import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  Kind,
  OperationTypeNode,
  parse,
  type ConstDirectiveNode,
  type GraphQLSchema,
  type ObjectTypeDefinitionNode,
} from 'graphql';
import { apiSchemaOf, projectRoot } from '../../shared/supergraph/index.js';

/** A root field of the client-facing API, with the subgraph that resolves it. */
export interface RootField {
  readonly operation: OperationTypeNode;
  /** `Query.me`, `Mutation.sendMessage`, ... */
  readonly coordinate: string;
  readonly name: string;
  readonly subgraph: string;
}

/** An entity a subgraph resolves through `_entities`. */
export interface EntityKey {
  readonly subgraph: string;
  readonly typename: string;
  readonly key: string;
}

export interface SupergraphFields {
  /** The schema clients see (no federation internals, no @inaccessible fields). */
  readonly api: GraphQLSchema;
  readonly rootFields: readonly RootField[];
  readonly entities: readonly EntityKey[];
}

const rootTypes = {
  Query: OperationTypeNode.QUERY,
  Mutation: OperationTypeNode.MUTATION,
  Subscription: OperationTypeNode.SUBSCRIPTION,
} as const;

function argumentValue(directive: ConstDirectiveNode, name: string): string | undefined {
  const argument = directive.arguments?.find((each) => each.name.value === name);
  if (!argument) return undefined;
  const { value } = argument;
  return value.kind === Kind.ENUM || value.kind === Kind.STRING ? value.value : undefined;
}

/**
 * Reads the committed supergraph (`schema/supergraph.graphql`): every root field clients can
 * call with its owning subgraph, and every entity key. Security tests enumerate these so that a
 * field or entity added later cannot ship without a case.
 */
export function readSupergraphFields(): SupergraphFields {
  const sdl = readFileSync(path.join(projectRoot, 'schema', 'supergraph.graphql'), 'utf8');
  const api = apiSchemaOf(sdl);
  const document = parse(sdl);

  const graphNames = new Map<string, string>();
  const objects: ObjectTypeDefinitionNode[] = [];
  for (const definition of document.definitions) {
    if (definition.kind === Kind.ENUM_TYPE_DEFINITION && definition.name.value === 'join__Graph') {
      for (const value of definition.values ?? []) {
        const graph = value.directives?.find((each) => each.name.value === 'join__graph');
        const name = graph ? argumentValue(graph, 'name') : undefined;
        if (name) graphNames.set(value.name.value, name);
      }
    }
    if (definition.kind === Kind.OBJECT_TYPE_DEFINITION) objects.push(definition);
  }
  const graphName = (directive: ConstDirectiveNode) => {
    const graph = argumentValue(directive, 'graph');
    const name = graph ? graphNames.get(graph) : undefined;
    if (!name) throw new Error(`unknown join__Graph in @${directive.name.value}`);
    return name;
  };

  const rootFields: RootField[] = [];
  const entities: EntityKey[] = [];
  for (const type of objects) {
    const typename = type.name.value;
    const operation = rootTypes[typename as keyof typeof rootTypes];
    if (operation) {
      const visible = api.getRootType(operation)?.getFields() ?? {};
      for (const field of type.fields ?? []) {
        if (!visible[field.name.value]) continue;
        const join = field.directives?.find((each) => each.name.value === 'join__field');
        if (!join) throw new Error(`${typename}.${field.name.value} has no @join__field`);
        rootFields.push({
          operation,
          coordinate: `${typename}.${field.name.value}`,
          name: field.name.value,
          subgraph: graphName(join),
        });
      }
      continue;
    }
    for (const directive of type.directives ?? []) {
      if (directive.name.value !== 'join__type') continue;
      const key = argumentValue(directive, 'key');
      if (key) entities.push({ subgraph: graphName(directive), typename, key });
    }
  }
  return { api, rootFields, entities };
}
