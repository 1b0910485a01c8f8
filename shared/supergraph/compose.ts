import { readFile } from 'node:fs/promises';
import { composeServices } from '@apollo/composition';
import { parse } from 'graphql';
import type { SubgraphEntry } from './config.js';

export type CompositionResult =
  | { readonly ok: true; readonly supergraphSdl: string }
  | { readonly ok: false; readonly errors: readonly string[] };

/** A subgraph's SDL text with where it is routed. */
export interface SubgraphSource {
  readonly name: string;
  readonly routingUrl: string;
  readonly sdl: string;
}

/** Composes the subgraph SDL files into a supergraph with @apollo/composition (no Rover needed). */
export async function composeSupergraph(
  subgraphs: readonly SubgraphEntry[],
): Promise<CompositionResult> {
  return composeSubgraphSources(
    await Promise.all(
      subgraphs.map(async (subgraph) => ({
        name: subgraph.name,
        routingUrl: subgraph.routingUrl,
        sdl: await readFile(subgraph.schemaFile, 'utf8'),
      })),
    ),
  );
}

/** Composes SDL texts (e.g. read from a git revision); a syntax error is a composition error. */
export function composeSubgraphSources(subgraphs: readonly SubgraphSource[]): CompositionResult {
  const services = [];
  for (const subgraph of subgraphs) {
    try {
      services.push({
        name: subgraph.name,
        url: subgraph.routingUrl,
        typeDefs: parse(subgraph.sdl),
      });
    } catch (error) {
      return { ok: false, errors: [`[${subgraph.name}] ${String(error)}`] };
    }
  }
  const result = composeServices(services);
  if (result.errors) {
    return { ok: false, errors: result.errors.map((error) => error.toString()) };
  }
  return { ok: true, supergraphSdl: result.supergraphSdl };
}
