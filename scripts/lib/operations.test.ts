import { describe, expect, it } from '@jest/globals';
import { buildSchema } from 'graphql';
import { readOperationFiles, validateOperations } from './operations.js';

const schema = buildSchema('type Query { me: String, you: String }');
const file = (name: string, source: string) => ({
  file: `schema/operations/${name}.graphql`,
  source,
});

describe('validateOperations', () => {
  it('passes one valid operation per file, named like the file', () => {
    expect(validateOperations(schema, [file('Me', 'query Me { me }')])).toEqual([]);
  });

  it('names the file and operation of each problem', () => {
    expect(
      validateOperations(schema, [
        file('Them', 'query Them { them }'),
        file('Two', 'query Two { me } query Other { you }'),
        file('Misnamed', 'query Me { me }'),
        file('Broken', 'query Broken {'),
      ]),
    ).toEqual([
      {
        file: 'schema/operations/Them.graphql',
        operation: 'Them',
        message: 'Cannot query field "them" on type "Query".',
      },
      expect.objectContaining({ file: 'schema/operations/Two.graphql', operation: 'Two' }),
      expect.objectContaining({
        operation: 'Me',
        message: 'must hold exactly one operation, named Misnamed like the file',
      }),
      expect.objectContaining({ file: 'schema/operations/Broken.graphql', operation: undefined }),
    ]);
  });

  it('reads the repository’s own operations with paths from its root', async () => {
    const files = await readOperationFiles();
    expect(files.length).toBeGreaterThan(0);
    expect(files.every((each) => each.file.startsWith('schema/operations/'))).toBe(true);
  });
});
