/**
 * `npm run codegen`: validates schema/operations/ against schema/api.graphql and writes their
 * typed documents to schema/generated/ (configuration: codegen.ts).
 * `npm run codegen -- --check`: writes nothing; exits 1 when an operation no longer validates or
 * the committed generated code differs from what codegen produces now.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { buildSchema } from 'graphql';
import config from '../codegen.js';
import { projectRoot } from '../shared/supergraph/index.js';
import { formatProblem, readOperationFiles, validateOperations } from './lib/operations.js';

const check = process.argv.includes('--check');

const schema = buildSchema(await readFile(path.join(projectRoot, 'schema', 'api.graphql'), 'utf8'));
const problems = validateOperations(schema, await readOperationFiles());
if (problems.length > 0) {
  console.error(`${problems.length} operation(s) do not validate against schema/api.graphql:`);
  for (const problem of problems) console.error(`- ${formatProblem(problem)}`);
  process.exit(1);
}

// In memory: nothing is written before the comparison.
const outputs = await generate({ ...config, cwd: projectRoot, silent: true }, false);
let stale = false;
for (const output of outputs) {
  const file = path.resolve(projectRoot, output.filename);
  const name = path.relative(projectRoot, file);
  if (!check) {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, output.content);
    console.log(`Wrote ${name}.`);
  } else if ((await readFile(file, 'utf8').catch(() => '')) !== output.content) {
    console.error(`${name} is stale: run \`npm run codegen\` and commit it.`);
    stale = true;
  } else {
    console.log(`${name} is current.`);
  }
}
if (stale) process.exit(1);
