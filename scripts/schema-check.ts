/**
 * `npm run schema:check [-- --base <git ref>]` (default HEAD): what `rover subgraph check` does,
 * locally. Composes the working tree's subgraphs, lists every change of the API schema against
 * the one composed from the base's subgraphs (breaking, dangerous, safe), and validates
 * schema/operations/ against the new API schema. Exits 1 on a composition error, a breaking
 * change or an operation that no longer validates.
 */
import { projectRoot } from '../shared/supergraph/index.js';
import { formatProblem } from './lib/operations.js';
import { checkSchema, failed, type SchemaCheckReport } from './lib/schema-check.js';

function baseRef(argv: readonly string[]): string {
  const index = argv.indexOf('--base');
  if (index === -1) return 'HEAD';
  const ref = argv[index + 1];
  if (!ref || ref.startsWith('--')) throw new Error('--base needs a git ref');
  return ref;
}

function print(report: SchemaCheckReport): void {
  for (const error of report.compositionErrors) console.log(`composition error: ${error}`);
  for (const error of report.baseCompositionErrors) {
    console.log(`composition error in base ${report.base}: ${error}`);
  }
  if (report.compositionErrors.length === 0 && report.baseCompositionErrors.length === 0) {
    if (report.changes.length === 0)
      console.log(`No changes to the API schema since ${report.base}.`);
    for (const level of ['breaking', 'dangerous', 'safe'] as const) {
      const changes = report.changes.filter((change) => change.level === level);
      if (changes.length === 0) continue;
      console.log(`${level} (${changes.length}):`);
      for (const change of changes) console.log(`  ${change.path ?? '-'}: ${change.message}`);
    }
  }
  for (const problem of report.operationProblems) {
    console.log(`operation no longer validates: ${formatProblem(problem)}`);
  }
  console.log(failed(report) ? 'Schema check FAILED.' : 'Schema check passed.');
}

const report = await checkSchema(projectRoot, baseRef(process.argv.slice(2)));
print(report);
if (failed(report)) process.exit(1);
