import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { SubgraphEntry } from './config.js';

export type CompositionResult =
  | { readonly ok: true; readonly supergraphSdl: string }
  | { readonly ok: false; readonly errors: readonly string[] };

/** Composes the subgraph SDL files into a supergraph with @apollo/composition (no Rover needed). */
export async function composeSupergraph(
  subgraphs: readonly SubgraphEntry[],
): Promise<CompositionResult> {
  const services = await Promise.all(
    subgraphs.map(async (subgraph) => ({
      name: subgraph.name,
      url: subgraph.routingUrl,
      typeDefs: parse(await readFile(subgraph.schemaFile, 'utf8')),
    })),
  );
  const result = composeServices(services);
  if (result.errors) {
    return { ok: false, errors: result.errors.map((error) => error.toString()) };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl };
}
