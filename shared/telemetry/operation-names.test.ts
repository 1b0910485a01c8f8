import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseMetrics, samplesOf } from '../../test/support/metrics-text.js';
import { createServiceMetrics } from './metrics.js';
import { loadKnownOperationNames, operationLabel } from './operation-names.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'guardyn-operations-'));
  await writeFile(path.join(dir, 'Me.graphql'), 'query Me { me }\n');
  await writeFile(
    path.join(dir, 'Rename.graphql'),
    'mutation Rename($to: String!) { rename(to: $to) }\n',
  );
  await writeFile(path.join(dir, 'Broken.graphql'), 'query Broken {');
  await writeFile(path.join(dir, 'notes.txt'), 'query NotAnOperationFile { me }');
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('known operation names', () => {
  it('are the operations defined in the folder’s .graphql files', () => {
    expect([...loadKnownOperationNames(dir)].sort()).toEqual(['Me', 'Rename']);
  });

  it('are none when the folder is missing', () => {
    expect(loadKnownOperationNames(path.join(dir, 'missing')).size).toBe(0);
  });

  it('label known names as themselves, the rest as other, no name as anonymous', () => {
    const known = loadKnownOperationNames(dir);
    expect(operationLabel('Me', known)).toBe('Me');
    expect(operationLabel('Me__messaging__0', known)).toBe('Me');
    expect(operationLabel('Mine', known)).toBe('other');
    expect(operationLabel('x'.repeat(10_000), known)).toBe('other');
    expect(operationLabel(undefined, known)).toBe('anonymous');
    expect(operationLabel('', known)).toBe('anonymous');
  });

  it('label the GraphQL operation series by type and known name only', async () => {
    const metrics = createServiceMetrics('test', { knownOperations: loadKnownOperationNames(dir) });
    const server = new ApolloServer({
      typeDefs: 'type Query { me: String } type Mutation { rename(to: String!): String }',
      resolvers: { Query: { me: () => 'me' }, Mutation: { rename: () => 'renamed' } },
      plugins: [metrics.graphqlPlugin],
    });
    await server.start();
    try {
      await server.executeOperation({ query: 'query Me { me }' });
      await server.executeOperation({ query: 'mutation Rename { rename(to: "x") }' });
      await server.executeOperation({ query: 'query Invented { me }' });
      await server.executeOperation({ query: 'mutation Me { rename(to: "y") }' });
      const samples = parseMetrics(await metrics.own.metrics());
      const series = samplesOf(samples, 'guardyn_graphql_operations_total').map(
        ({ labels }) => `${labels['type']} ${labels['operation']} ${labels['outcome']}`,
      );
      expect(series.sort()).toEqual([
        'mutation Me ok',
        'mutation Rename ok',
        'query Me ok',
        'query other ok',
      ]);
    } finally {
      await server.stop();
    }
  });
});
