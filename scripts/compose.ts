/**
 * `npm run compose`: composes the subgraphs listed in supergraph.yaml into schema/supergraph.graphql.
 * `npm run compose -- --check`: writes nothing; exits 1 when composition fails or the committed
 * file is stale.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  composeSupergraph,
  projectRoot,
  readSupergraphConfig,
} from '../shared/supergraph/index.js';

const outputFile = path.join(projectRoot, 'schema', 'supergraph.graphql');
const check = process.argv.includes('--check');

const result = await composeSupergraph(await readSupergraphConfig());
if (!result.ok) {
  console.error(`Composition failed with ${result.errors.length} error(s):`);
  for (const error of result.errors) console.error(`- ${error}`);
  process.exit(1);
}

const sdl = `${result.supergraphSdl.trimEnd()}\n`;
if (check) {
  const committed = await readFile(outputFile, 'utf8').catch(() => '');
  if (committed !== sdl) {
    console.error(
      `${path.relative(projectRoot, outputFile)} is stale: run \`npm run compose\` and commit it.`,
    );
    process.exit(1);
  }
  console.log(`${path.relative(projectRoot, outputFile)} is current.`);
} else {
  await writeFile(outputFile, sdl);
  console.log(`Wrote ${path.relative(projectRoot, outputFile)}.`);
}
