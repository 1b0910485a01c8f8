// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const subgraphNames = ['auth', 'messaging', 'presence', 'media', 'notification'];

/** Dependencies point one way: gateway and subgraphs import shared; no subgraph imports another. */
const importBoundaries = [
  ...subgraphNames.map((name) => ({
    files: [`subgraphs/${name}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: subgraphNames
                .filter((other) => other !== name)
                .flatMap((other) => [`../${other}/*`, `**/subgraphs/${other}/*`]),
              message:
                'A subgraph never imports another subgraph: move the shared part to shared/.',
            },
            {
              group: ['**/gateway/*', '**/main.js'],
              message: 'Subgraphs do not import the gateway.',
            },
          ],
        },
      ],
    },
  })),
  {
    files: ['shared/**/*.ts', 'gateway/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/subgraphs/*', '**/main.js'],
              message: 'shared/ and gateway/ import nothing above them.',
            },
          ],
        },
      ],
    },
  },
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      'data/**',
      '.cassandra/**',
      'coverage/**',
      'schema/generated/**',
      'client/src/generated/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      'no-console': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
  ...importBoundaries,
  {
    files: ['scripts/**/*.ts', 'test/bench/**/*.ts', '.ci/**/*.js'],
    rules: { 'no-console': 'off' },
  },
);
