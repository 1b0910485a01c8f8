import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { ChangeType, CriticalityLevel, diff, type Change } from '@graphql-inspector/core';
import type { GraphQLSchema } from 'graphql';
import {
  apiSchemaOf,
  composeSubgraphSources,
  parseSupergraphConfig,
  readSupergraphConfig,
  type SubgraphEntry,
  type SubgraphSource,
} from '../../shared/supergraph/index.js';
import { readFile } from 'node:fs/promises';
import { readOperationFiles, validateOperations, type OperationProblem } from './operations.js';

const run = promisify(execFile);

export type ChangeLevel = 'breaking' | 'dangerous' | 'safe';

/** One difference between the base API schema and the working tree's. */
export interface SchemaChange {
  readonly level: ChangeLevel;
  readonly message: string;
  /** Schema coordinate (`Type.field`, `Type.field.argument`, `Enum.VALUE`), when it has one. */
  readonly path: string | undefined;
}

export interface SchemaCheckReport {
  readonly base: string;
  /** Composition errors of the working tree's subgraphs (then nothing else is checked). */
  readonly compositionErrors: readonly string[];
  /** Composition errors of the base: there is nothing to compare with. */
  readonly baseCompositionErrors: readonly string[];
  readonly changes: readonly SchemaChange[];
  /** Operations of schema/operations/ that do not validate against the new API schema. */
  readonly operationProblems: readonly OperationProblem[];
}

const levels: Record<CriticalityLevel, ChangeLevel> = {
  [CriticalityLevel.Breaking]: 'breaking',
  [CriticalityLevel.Dangerous]: 'dangerous',
  [CriticalityLevel.NonBreaking]: 'safe',
};

/**
 * The differ's level, except that an added optional argument is safe, as in Apollo's schema
 * checks: no existing operation can break or change meaning (GraphQL Inspector calls it
 * dangerous in case a resolver treats "absent" differently, which ours never do).
 */
function levelOf(change: Change): ChangeLevel {
  if (
    change.type === ChangeType.FieldArgumentAdded &&
    change.criticality.level === CriticalityLevel.Dangerous
  ) {
    return 'safe';
  }
  return levels[change.criticality.level];
}

/** The check fails on a composition error, a breaking change or an operation that breaks. */
export function failed(report: SchemaCheckReport): boolean {
  return (
    report.compositionErrors.length > 0 ||
    report.baseCompositionErrors.length > 0 ||
    report.changes.some((change) => change.level === 'breaking') ||
    report.operationProblems.length > 0
  );
}

async function gitShow(root: string, ref: string, file: string): Promise<string> {
  const relative = path.relative(root, file).split(path.sep).join('/');
  const { stdout } = await run('git', ['-C', root, 'show', `${ref}:./${relative}`], {
    maxBuffer: 64 * 1024 * 1024,
  });
  return stdout;
}

/** The subgraphs as `ref` had them: supergraph.yaml and every schema file, read from git. */
async function baseSources(root: string, ref: string): Promise<SubgraphSource[]> {
  const configFile = path.join(root, 'supergraph.yaml');
  const entries = parseSupergraphConfig(await gitShow(root, ref, configFile), configFile);
  return Promise.all(
    entries.map(async (entry) => ({
      ...source(entry),
      sdl: await gitShow(root, ref, entry.schemaFile),
    })),
  );
}

function source(entry: SubgraphEntry): Omit<SubgraphSource, 'sdl'> {
  return { name: entry.name, routingUrl: entry.routingUrl };
}

async function workingSources(root: string): Promise<SubgraphSource[]> {
  const entries = await readSupergraphConfig(path.join(root, 'supergraph.yaml'));
  return Promise.all(
    entries.map(async (entry) => ({
      ...source(entry),
      sdl: await readFile(entry.schemaFile, 'utf8'),
    })),
  );
}

async function apiSchemaOrErrors(
  sources: readonly SubgraphSource[],
): Promise<{ schema: GraphQLSchema } | { errors: readonly string[] }> {
  const composed = composeSubgraphSources(sources);
  if (!composed.ok) return { errors: composed.errors };
  return { schema: apiSchemaOf(composed.supergraphSdl) };
}

/**
 * What `rover subgraph check` does, for this repository: composes the working tree's subgraphs,
 * diffs the API schema against the one composed from `base`'s subgraphs (@graphql-inspector/core
 * classifies each change), and validates schema/operations/ against the new API schema.
 */
export async function checkSchema(root: string, base: string): Promise<SchemaCheckReport> {
  const empty = {
    base,
    compositionErrors: [],
    baseCompositionErrors: [],
    changes: [],
    operationProblems: [],
  };
  const next = await apiSchemaOrErrors(await workingSources(root));
  if ('errors' in next) return { ...empty, compositionErrors: next.errors };
  const operationProblems = validateOperations(next.schema, await readOperationFiles(root));
  const previous = await apiSchemaOrErrors(await baseSources(root, base));
  if ('errors' in previous) {
    return { ...empty, baseCompositionErrors: previous.errors, operationProblems };
  }
  const changes = (await diff(previous.schema, next.schema)).map((change) => ({
    level: levelOf(change),
    message: change.message,
    path: change.path,
  }));
  return { ...empty, changes, operationProblems };
}
