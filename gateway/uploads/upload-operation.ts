import {
  GraphQLError,
  Kind,
  parse,
  print,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { BadUserInputError } from '../../shared/errors/index.js';
import { maxVariablesNesting, nestedDeeperThan } from '../../shared/http/index.js';

/** The mutations whose files travel in a multipart request to the media subgraph. */
export const uploadMutations: readonly string[] = ['uploadMedia', 'setAvatar'];

export interface UploadOperation {
  /** The operation for the media subgraph: the same mutations, selecting only `id`. */
  readonly subgraphQuery: string;
  readonly variables: Record<string, unknown>;
  readonly operationName: string | undefined;
  /** Per root field: its response key and the client's selection on Media. */
  readonly fields: readonly {
    readonly responseKey: string;
    readonly selectionSet: SelectionSetNode;
  }[];
  /** The client's operation, for its fragments and variable definitions. */
  readonly operation: OperationDefinitionNode;
  readonly document: DocumentNode;
}

const idOnly: SelectionSetNode = {
  kind: Kind.SELECTION_SET,
  selections: [{ kind: Kind.FIELD, name: { kind: Kind.NAME, value: 'id' } }],
};

/**
 * Reads the `operations` field of a multipart request: one operation (no batches), valid against
 * the supergraph, a mutation of upload fields only. Anything else is BAD_USER_INPUT: multipart
 * requests are for uploads.
 */
export function readUploadOperation(
  schema: GraphQLSchema,
  operationsJson: string,
): UploadOperation {
  let operations: unknown;
  try {
    operations = JSON.parse(operationsJson);
  } catch {
    throw new BadUserInputError('the multipart "operations" field is not JSON');
  }
  if (typeof operations !== 'object' || operations === null || Array.isArray(operations)) {
    throw new BadUserInputError('multipart requests carry one operation (no batches)');
  }
  const { query, variables, operationName } = operations as Record<string, unknown>;
  // They are encoded again for the media subgraph, and JSON.stringify recurses.
  if (nestedDeeperThan(variables, maxVariablesNesting)) {
    throw new BadUserInputError(
      `Variables are nested more than ${maxVariablesNesting} levels deep`,
    );
  }
  if (typeof query !== 'string')
    throw new BadUserInputError('the multipart "operations" field has no query');
  let document: DocumentNode;
  try {
    document = parse(query);
  } catch (error) {
    // Only GraphQL's own syntax errors are for the client; a stack overflow's text is not.
    throw new BadUserInputError(
      error instanceof GraphQLError ? error.message : 'the query does not parse',
    );
  }
  const errors = validate(schema, document);
  if (errors.length > 0)
    throw new BadUserInputError(errors.map((error) => error.message).join('; '));

  const candidates = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  const operation =
    typeof operationName === 'string'
      ? candidates.find((candidate) => candidate.name?.value === operationName)
      : candidates.length === 1
        ? candidates[0]
        : undefined;
  const rootFields = operation?.selectionSet.selections ?? [];
  const isUpload = (selection: (typeof rootFields)[number]): selection is FieldNode =>
    selection.kind === Kind.FIELD &&
    uploadMutations.includes(selection.name.value) &&
    selection.selectionSet !== undefined;
  if (!operation || operation.operation !== 'mutation' || !rootFields.every(isUpload)) {
    throw new BadUserInputError(`multipart requests are for ${uploadMutations.join(' and ')} only`);
  }
  const fields = rootFields.filter(isUpload);
  // The media subgraph sees only the arguments, so only the variables they use.
  const argumentVariables = new Set<string>();
  for (const field of fields) {
    for (const argument of field.arguments ?? []) {
      visit(argument, { Variable: (node) => void argumentVariables.add(node.name.value) });
    }
  }
  const subgraphOperation: OperationDefinitionNode = {
    ...operation,
    variableDefinitions: (operation.variableDefinitions ?? []).filter((definition) =>
      argumentVariables.has(definition.variable.name.value),
    ),
    selectionSet: {
      ...operation.selectionSet,
      selections: fields.map((field) => ({ ...field, selectionSet: idOnly })),
    },
  };
  return {
    subgraphQuery: print(subgraphOperation),
    variables:
      typeof variables === 'object' && variables !== null
        ? (variables as Record<string, unknown>)
        : {},
    operationName: typeof operationName === 'string' ? operationName : undefined,
    fields: fields.map((field) => ({
      responseKey: field.alias?.value ?? field.name.value,
      selectionSet: field.selectionSet as SelectionSetNode,
    })),
    operation,
    document,
  };
}
