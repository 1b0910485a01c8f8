import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { Kind, parse, validate, type GraphQLSchema } from 'graphql';
import { projectRoot } from '../../shared/supergraph/index.js';

/** One `.graphql` file of schema/operations/. */
export interface OperationFile {
  /** Relative to the repository root, as reports print it. */
  readonly file: string;
  readonly source: string;
}

/** An operation that does not validate, or a file that breaks the one-operation-per-file rule. */
export interface OperationProblem {
  readonly file: string;
  /** The operation's name, when the file has one. */
  readonly operation: string | undefined;
  readonly message: string;
}

/** The operations the project's own clients send: schema/operations/, one per file. */
export async function readOperationFiles(root = projectRoot): Promise<OperationFile[]> {
  const dir = path.join(root, 'schema', 'operations');
  const names = (await readdir(dir)).filter((name) => name.endsWith('.graphql')).sort();
  return Promise.all(
    names.map(async (name) => ({
      file: path.relative(root, path.join(dir, name)),
      source: await readFile(path.join(dir, name), 'utf8'),
    })),
  );
}

/** Checks each file holds exactly one named operation named like the file, valid against `schema`. */
export function validateOperations(
  schema: GraphQLSchema,
  files: readonly OperationFile[],
): OperationProblem[] {
  return files.flatMap(({ file, source }) => {
    const expected = path.basename(file, '.graphql');
    let document;
    try {
      document = parse(source);
    } catch (error) {
      return [{ file, operation: undefined, message: String(error) }];
    }
    const operations = document.definitions.filter(
      (definition) => definition.kind === Kind.OPERATION_DEFINITION,
    );
    const name = operations[0]?.name?.value;
    if (operations.length !== 1 || name !== expected) {
      return [
        {
          file,
          operation: name,
          message: `must hold exactly one operation, named ${expected} like the file`,
        },
      ];
    }
    return validate(schema, document).map((error) => ({
      file,
      operation: name,
      message: error.message,
    }));
  });
}

export function formatProblem(problem: OperationProblem): string {
  return `${problem.file}${problem.operation ? ` (${problem.operation})` : ''}: ${problem.message}`;
}
