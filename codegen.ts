import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * `npm run codegen`: typed documents for the operations in schema/operations/ (one per file,
 * named like the operation), checked against the client-facing API schema. `npm test` runs
 * `npm run codegen -- --check`, which fails when schema/generated/ is stale or an operation no
 * longer validates. A frontend team points its own codegen at schema/api.graphql the same way.
 */
/** One set of typed documents; the SDK gets its own copy so that client/ stands alone. */
const typedDocuments = {
  plugins: ['typescript-operations', 'typed-document-node'],
  config: {
    // typescript-operations 6 emits only the enums and inputs the operations use, enums as
    // string-literal unions; the `typescript` plugin (all API types) is not needed.
    useTypeImports: true,
    strictScalars: true,
    scalars: {
      Base64: 'string',
      DateTime: 'string',
      Upload: 'never',
    },
  },
};

const config: CodegenConfig = {
  schema: 'schema/api.graphql',
  documents: 'schema/operations/*.graphql',
  generates: {
    'schema/generated/operations.ts': typedDocuments,
    // @guardyn/client is built and shipped without the rest of the repository.
    'client/src/generated/operations.ts': typedDocuments,
  },
};

export default config;
