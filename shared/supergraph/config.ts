import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { isSubgraphName, type SubgraphName } from '../config/index.js';

/** One subgraph as supergraph.yaml (Rover's format) lists it. */
export interface SubgraphEntry {
  readonly name: SubgraphName;
  readonly routingUrl: string;
  /** Absolute path of the subgraph's SDL file. */
  readonly schemaFile: string;
}

/** The repository root: supergraph.yaml, schema/ and subgraphs/ live here. */
export const projectRoot = path.resolve(import.meta.dirname, '..', '..');

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks supergraph.yaml; throws with the offending key on a malformed file. */
export async function readSupergraphConfig(
  file = path.join(projectRoot, 'supergraph.yaml'),
): Promise<SubgraphEntry[]> {
  return parseSupergraphConfig(await readFile(file, 'utf8'), file);
}

/**
 * Parses supergraph.yaml's text (from a file, or from a git revision); schema files resolve
 * against the folder of `file`, which error messages also name.
 */
export function parseSupergraphConfig(text: string, file: string): SubgraphEntry[] {
  const document: unknown = parseYaml(text);
  const subgraphs = isRecord(document) ? document['subgraphs'] : undefined;
  if (!isRecord(subgraphs)) throw new Error(`${file}: no "subgraphs" map`);

  return Object.entries(subgraphs).map(([name, entry]) => {
    if (!isSubgraphName(name)) throw new Error(`${file}: unknown subgraph "${name}"`);
    const routingUrl = isRecord(entry) ? entry['routing_url'] : undefined;
    const schema = isRecord(entry) ? entry['schema'] : undefined;
    const schemaFile = isRecord(schema) ? schema['file'] : undefined;
    if (typeof routingUrl !== 'string' || typeof schemaFile !== 'string') {
      throw new Error(`${file}: subgraph "${name}" needs routing_url and schema.file`);
    }
    return { name, routingUrl, schemaFile: path.resolve(path.dirname(file), schemaFile) };
  });
}
