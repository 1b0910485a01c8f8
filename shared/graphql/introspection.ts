import {
  GraphQLError,
  MaxIntrospectionDepthRule,
  type ASTVisitor,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';

const introspectionFields = new Set(['__schema', '__type']);

/** Refuses `__schema` and `__type` (not `__typename`, which is data) naming the setting. */
export function noIntrospection(context: ValidationContext): ASTVisitor {
  return {
    Field(field) {
      if (!introspectionFields.has(field.name.value)) return;
      context.reportError(
        new GraphQLError(
          `Introspection (${field.name.value}) is disabled on this server (GUARDYN_GATEWAY__INTROSPECTION=false); read the schema from schema/api.graphql`,
          { nodes: [field], extensions: { code: 'BAD_USER_INPUT' } },
        ),
      );
    },
  };
}

/**
 * The validation rules for a server's introspection setting. Apollo's own `introspection` option
 * is left on and replaced by these: its refusal names an Apollo option, ours the GUARDYN_ one.
 * When introspection is on, graphql-js's depth rule still refuses the cyclic
 * `fields { type { fields ... } }` queries that could make one request huge; the standard
 * introspection query passes it.
 */
export function introspectionRules(enabled: boolean): ValidationRule[] {
  return enabled ? [MaxIntrospectionDepthRule] : [noIntrospection];
}
