import {
  getNamedType,
  getNullableType,
  GraphQLError,
  isListType,
  isObjectType,
  isInterfaceType,
  Kind,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLField,
  type GraphQLNamedType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';

/** What one operation may ask for; checked before the gateway plans anything. */
export interface OperationLimits {
  /** Deepest field nesting (fragments followed). */
  readonly maxDepth: number;
  /** Aliased fields, counted once per place a fragment is spread. */
  readonly maxAliases: number;
  /** Top-level fields of the operation (fragments followed). */
  readonly maxRootFields: number;
  /** Estimated work: see `CostModel`. */
  readonly maxCost: number;
}

/** Where each limit is configured: error messages name it. */
export const limitVariables: Readonly<Record<keyof OperationLimits, string>> = {
  maxDepth: 'GUARDYN_GATEWAY__MAX_DEPTH',
  maxAliases: 'GUARDYN_GATEWAY__MAX_ALIASES',
  maxRootFields: 'GUARDYN_GATEWAY__MAX_ROOT_FIELDS',
  maxCost: 'GUARDYN_GATEWAY__MAX_COST',
};

/**
 * Roomy for every operation this API's clients send (the largest, a 500-envelope inbox page
 * with each sender and conversation, costs 2,000); a 1,000-alias fan-out is far over the alias
 * and root-field limits.
 */
export const defaultOperationLimits: OperationLimits = {
  maxDepth: 12,
  maxAliases: 50,
  maxRootFields: 20,
  maxCost: 5000,
};

/**
 * The cost of a field is `size × (weight + cost of its selection)`. Weight: 1 for a field with a
 * selection (an object someone resolves), 0 for a leaf, unless `fieldWeights` says otherwise.
 * Size: the field's `first` argument when it has one, else for a list field its `listSizes`
 * entry or `defaultListSize`, else 1.
 */
export interface CostModel {
  /** By `Type.field`. */
  readonly fieldWeights: Readonly<Record<string, number>>;
  /** Items per list field, by `Type.field`, where the default would be wrong. */
  readonly listSizes: Readonly<Record<string, number>>;
  readonly defaultListSize: number;
}

export const defaultCostModel: CostModel = {
  fieldWeights: {},
  // `inbox(first)` already counts the page: its edges are those `first` envelopes.
  listSizes: { 'EnvelopeConnection.edges': 1 },
  defaultListSize: 10,
};

export interface OperationInputs {
  /** The API schema: tells list fields and argument defaults. Without it only `first` sizes. */
  readonly schema?: GraphQLSchema;
  /** The request's variables, for `first: $n`. */
  readonly variables?: Readonly<Record<string, unknown>>;
  readonly costModel?: CostModel;
}

/** What a selection set asks for, through its fragments. */
interface Measure {
  readonly depth: number;
  readonly cost: number;
  readonly aliases: number;
  readonly fields: number;
}

const nothing: Measure = { depth: 0, cost: 0, aliases: 0, fields: 0 };

/** Meta-fields whose subtree describes the schema, not data (`__typename` is data). */
const introspectionFields = new Set(['__schema', '__type']);

/**
 * Checks an operation against the limits in one walk of its document, each fragment measured
 * once however often it is spread. Returns the refusal (BAD_USER_INPUT naming the limit and its
 * value), or null when the operation is within every limit or is not in the document (GraphQL
 * validation reports that). Fragment cycles count as empty (validation refuses them too).
 */
export function checkOperationLimits(
  document: DocumentNode,
  operationName: string | null | undefined,
  limits: OperationLimits,
  inputs: OperationInputs = {},
): GraphQLError | null {
  const operation = findOperation(document, operationName);
  if (!operation) return null;
  const measure = new OperationMeasurer(document, operation, limits.maxDepth, inputs).measure();

  const exceeded = (
    limit: keyof OperationLimits,
    actual: number,
    what: string,
  ): GraphQLError | null =>
    actual > limits[limit]
      ? new GraphQLError(
          `The operation ${what}; the limit is ${limits[limit]} (${limitVariables[limit]})`,
          {
            nodes: [operation],
            extensions: {
              code: 'BAD_USER_INPUT',
              limit: limitVariables[limit],
              limitValue: limits[limit],
            },
          },
        )
      : null;

  return (
    exceeded(
      'maxDepth',
      measure.depth,
      Number.isFinite(measure.depth)
        ? `is nested ${measure.depth} levels deep`
        : `is nested more than ${limits.maxDepth} levels deep`,
    ) ??
    exceeded('maxRootFields', measure.fields, `has ${measure.fields} top-level fields`) ??
    exceeded('maxAliases', measure.aliases, `has ${measure.aliases} aliases`) ??
    exceeded('maxCost', measure.cost, `costs ${formatCost(measure.cost)}`)
  );
}

function formatCost(cost: number): string {
  return Number.isFinite(cost) && cost < 1e15 ? String(Math.ceil(cost)) : 'more than 10^15';
}

function findOperation(
  document: DocumentNode,
  operationName: string | null | undefined,
): OperationDefinitionNode | undefined {
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode =>
      definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operationName) return operations.find((operation) => operation.name?.value === operationName);
  return operations.length === 1 ? operations[0] : undefined;
}

class OperationMeasurer {
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly measured = new Map<string, Measure>();
  private readonly inProgress = new Set<string>();
  private readonly costModel: CostModel;
  /**
   * Recursion stops this far down (fields, inline fragments and spreads all count), so neither a
   * deep query nor a long chain of fragments can exhaust the stack; past it the depth limit is
   * exceeded anyway.
   */
  private readonly maxNesting: number;

  constructor(
    document: DocumentNode,
    private readonly operation: OperationDefinitionNode,
    maxDepth: number,
    private readonly inputs: OperationInputs,
  ) {
    for (const definition of document.definitions) {
      if (definition.kind === Kind.FRAGMENT_DEFINITION) {
        this.fragments.set(definition.name.value, definition);
      }
    }
    this.costModel = inputs.costModel ?? defaultCostModel;
    this.maxNesting = 4 * maxDepth + 64;
  }

  measure(): Measure {
    const schema = this.inputs.schema;
    const rootType = schema?.getRootType(this.operation.operation) ?? undefined;
    return this.selectionSet(this.operation.selectionSet, rootType, 0);
  }

  private selectionSet(
    selectionSet: SelectionSetNode,
    parentType: GraphQLNamedType | undefined,
    nesting: number,
  ): Measure {
    if (nesting > this.maxNesting) return { ...nothing, depth: Infinity };
    let depth = 0;
    let cost = 0;
    let aliases = 0;
    let fields = 0;
    for (const selection of selectionSet.selections) {
      let inner: Measure;
      if (selection.kind === Kind.FIELD) {
        inner = this.field(selection, parentType, nesting);
        fields += 1;
      } else if (selection.kind === Kind.INLINE_FRAGMENT) {
        const typeName = selection.typeCondition?.name.value;
        const type = typeName ? this.inputs.schema?.getType(typeName) : parentType;
        inner = this.selectionSet(selection.selectionSet, type ?? undefined, nesting + 1);
      } else {
        inner = this.fragment(selection.name.value, nesting);
      }
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
      aliases += inner.aliases;
      fields += selection.kind === Kind.FIELD ? 0 : inner.fields;
    }
    return { depth, cost, aliases, fields };
  }

  private fragment(name: string, nesting: number): Measure {
    const known = this.measured.get(name);
    if (known) return known;
    const fragment = this.fragments.get(name);
    if (!fragment || this.inProgress.has(name)) return nothing;
    this.inProgress.add(name);
    const type = this.inputs.schema?.getType(fragment.typeCondition.name.value) ?? undefined;
    const measure = this.selectionSet(fragment.selectionSet, type, nesting + 1);
    this.inProgress.delete(name);
    this.measured.set(name, measure);
    return measure;
  }

  /** A field's own measure: depth counts the field itself; `fields` is its parent's business. */
  private field(
    field: FieldNode,
    parentType: GraphQLNamedType | undefined,
    nesting: number,
  ): Measure {
    const definition =
      parentType && (isObjectType(parentType) || isInterfaceType(parentType))
        ? parentType.getFields()[field.name.value]
        : undefined;
    const coordinate = `${parentType?.name ?? '?'}.${field.name.value}`;
    const aliased = field.alias ? 1 : 0;
    // The limits are about data. Introspection is bounded by the schema's size and by
    // MaxIntrospectionDepthRule (see shared/graphql/introspection.ts), so its subtree is free;
    // the field still counts as a root field and as an alias, so it cannot be fanned out.
    if (introspectionFields.has(field.name.value)) return { ...nothing, aliases: aliased };
    if (!field.selectionSet) {
      const weight = this.costModel.fieldWeights[coordinate] ?? 0;
      return { depth: 1, cost: weight, aliases: aliased, fields: 0 };
    }
    const childType = definition ? getNamedType(definition.type) : undefined;
    const inner = this.selectionSet(field.selectionSet, childType, nesting + 1);
    const weight = this.costModel.fieldWeights[coordinate] ?? 1;
    const size = this.sizeOf(field, definition, coordinate);
    return {
      depth: 1 + inner.depth,
      cost: size * (weight + inner.cost),
      aliases: aliased + inner.aliases,
      fields: 0,
    };
  }

  private sizeOf(
    field: FieldNode,
    definition: GraphQLField<unknown, unknown> | undefined,
    coordinate: string,
  ): number {
    const first = field.arguments?.find((argument) => argument.name.value === 'first');
    const firstDefault = definition?.args.find((argument) => argument.name === 'first');
    if (first || firstDefault) {
      const value = first ? this.intValue(first.value) : undefined;
      const fallback =
        typeof firstDefault?.defaultValue === 'number' ? firstDefault.defaultValue : undefined;
      return Math.max(1, value ?? fallback ?? this.costModel.defaultListSize);
    }
    if (definition && isListType(getNullableType(definition.type))) {
      return this.costModel.listSizes[coordinate] ?? this.costModel.defaultListSize;
    }
    return 1;
  }

  /** An Int literal, or a variable's value (or its default); undefined when neither is a number. */
  private intValue(node: ValueNode): number | undefined {
    if (node.kind === Kind.INT) return Number(node.value);
    if (node.kind !== Kind.VARIABLE) return undefined;
    const name = node.name.value;
    const given = this.inputs.variables?.[name];
    if (typeof given === 'number') return given;
    if (given !== undefined && given !== null) return undefined;
    const declared = this.operation.variableDefinitions?.find(
      (definition) => definition.variable.name.value === name,
    );
    return declared?.defaultValue ? this.intValue(declared.defaultValue) : undefined;
  }
}
