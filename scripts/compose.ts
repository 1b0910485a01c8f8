/**
 * `npm run compose`: composes the subgraphs listed in supergraph.yaml into
 * schema/supergraph.graphql (what the gateway loads) and schema/api.graphql (the client-facing
 * API schema that codegen, IDEs and client code read).
 * `npm run compose -- --check`: writes nothing; exits 1 when composition fails or either
 * committed file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  composeSupergraph,
  printApiSchema,
  projectRoot,
  readSupergraphConfig,
} from '../shared/supergraph/index.js';

const check = process.argv.includes('--check');

const result = await composeSupergraph(await readSupergraphConfig());
if (!result.ok) {
  console.error(`Composition failed with ${result.errors.length} error(s):`);
  for (const error of result.errors) console.error(`- ${error}`);
  process.exit(1);
}

const supergraphSdl = `${result.supergraphSdl.trimEnd()}\n`;
const outputs = [
  { file: path.join(projectRoot, 'schema', 'supergraph.graphql'), text: supergraphSdl },
  { file: path.join(projectRoot, 'schema', 'api.graphql'), text: printApiSchema(supergraphSdl) },
];

let stale = false;
for (const { file, text } of outputs) {
  const name = path.relative(projectRoot, file);
  if (!check) {
    await writeFile(file, text);
    console.log(`Wrote ${name}.`);
  } else if ((await readFile(file, 'utf8').catch(() => '')) !== text) {
    console.error(`${name} is stale: run \`npm run compose\` and commit it.`);
    stale = true;
  } else {
    console.log(`${name} is current.`);
  }
}
if (stale) process.exit(1);
