import { getIntrospectionQuery } from 'graphql';

/** graphql-js's standard introspection query with every option on, as codegen and IDEs send it. */
export const standardIntrospection = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});
