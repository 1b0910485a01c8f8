import {
  getNamedType,
  GraphQLObjectType,
  TypeInfo,
  visit,
  visitWithTypeInfo,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

/**
 * Fields whose value is the same whoever asks (given the topic's own authorization). Not
 * `User.presence`: it is null for a viewer who may not see it.
 */
const viewerIndependentFields: Readonly<Record<string, readonly string[]>> = {
  User: ['id', 'username', 'createdAt'],
  TypingEvent: ['conversationId', 'typing', 'user'],
};

/**
 * True when every field in the selection is viewer-independent, so one execution may serve all
 * subscribers of an event. Anything else (device names, avatars, unknown fields) is resolved per
 * subscriber: a result is never shared across principals where it could differ.
 */
export function isViewerIndependent(
  schema: GraphQLSchema,
  parentType: GraphQLObjectType,
  field: { readonly fragments: readonly FragmentDefinitionNode[] },
  selectionSet: SelectionSetNode,
): boolean {
  const typeInfo = new TypeInfo(schema, parentType);
  let independent = true;
  const check = (node: SelectionSetNode) =>
    visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(fieldNode) {
          const parent = typeInfo.getParentType();
          const name = fieldNode.name.value;
          if (name === '__typename') return;
          const allowed = parent ? viewerIndependentFields[getNamedType(parent).name] : undefined;
          if (!allowed?.includes(name)) independent = false;
        },
        FragmentSpread() {
          // Fragments are checked where they are defined, below.
        },
      }),
    );
  check(selectionSet);
  // Every fragment of the document, used here or not. One on an interface or a union (the schema
  // has none today) is not checked field by field: it is simply not shared.
  for (const fragment of field.fragments) {
    const type = schema.getType(fragment.typeCondition.name.value);
    if (
      !(type instanceof GraphQLObjectType) ||
      !isViewerIndependent(schema, type, { fragments: [] }, fragment.selectionSet)
    )
      independent = false;
  }
  return independent;
}
