import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen`: typed documents for the operations in schema/operations/ (one per file,
 * named like the operation), checked against the client-facing API schema. `npm test` runs
 * `npm run codegen -- --check`, which fails when schema/generated/ is stale or an operation no
 * longer validates. A frontend team points its own codegen at schema/api.graphql the same way.
 */
const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: 'schema/operations/*.graphql',
  generates: {
    'schema/generated/operations.ts': {
      plugins: ['typescript-operations', 'typed-document-node'],
      config: {
        // Only the enums, inputs and scalars the operations use; not every type of the API.
        onlyOperationTypes: true,
        enumsAsTypes: true,
        useTypeImports: true,
        strictScalars: true,
        scalars: {
          Base64: 'string',
          DateTime: 'string',
          Upload: 'never',
        },
      },
    },
  },
};

export default config;
