import { readFile } from 'node:fs/promises';
import { buildSchema, parse, type DocumentNode } from 'graphql';
import { checkOperationLimits, defaultOperationLimits } from '../../gateway/operation-limits.js';
import { percentiles, printTable, type Percentiles } from './stats.js';

/** Within the default limits whatever its size: each fragment is spread once, leaves cost 0. */
function acceptedDocument(targetBytes: number): string {
  const fragments: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const fragment = `fragment F${fragments.length} on User { id username createdAt __typename }`;
    fragments.push(fragment);
    bytes += fragment.length + 20;
  }
  const spreads = fragments.map((_, i) => `...F${i}`).join(' ');
  return `query Accepted { me { ${spreads} } } ${fragments.join(' ')}`;
}

/** The attack: aliases of `user(id) { presence { status } }` (over the root-field limit). */
function refusedDocument(targetBytes: number): string {
  const fields: string[] = [];
  let bytes = 0;
  while (bytes < targetBytes) {
    const field = `a${fields.length}: user(id: $id) { presence { status } }`;
    fields.push(field);
    bytes += field.length + 1;
  }
  return `query Refused($id: ID!) { ${fields.join(' ')} }`;
}

/**
 * Time of `checkOperationLimits` alone (parsing excluded) per KB of query, against the real
 * supergraph schema, for accepted and refused documents of several sizes.
 */
export async function benchOperationLimits(rounds = 200): Promise<void> {
  const sdl = await readFile(new URL('../../schema/supergraph.graphql', import.meta.url), 'utf8');
  const schema = buildSchema(sdl, { assumeValidSDL: true });
  const rows: Record<string, Percentiles> = {};
  for (const kib of [1, 10, 100, 1000]) {
    for (const [kind, make, expectRefused] of [
      ['accepted', acceptedDocument, false],
      ['refused', refusedDocument, true],
    ] as const) {
      const text = make(kib * 1024);
      const document: DocumentNode = parse(text);
      const check = () =>
        checkOperationLimits(document, undefined, defaultOperationLimits, {
          schema,
          variables: { id: 'x' },
        });
      // Untimed rounds first, so the figures are of optimised code, not of the JIT warming up.
      for (let i = 0; i < 20; i++) check();
      const perKb: number[] = [];
      const times = kib >= 1000 ? Math.ceil(rounds / 10) : rounds;
      // Each sample times at least 64 KiB of query, so one scheduler pause on a loaded machine
      // does not pass for the cost of a 1 KiB check.
      const repeat = Math.max(1, Math.floor(64 / kib));
      for (let i = 0; i < times; i++) {
        const start = performance.now();
        let refused = 0;
        for (let j = 0; j < repeat; j++) refused += check() === null ? 0 : 1;
        const micros = (performance.now() - start) * 1000;
        if (refused !== (expectRefused ? repeat : 0))
          throw new Error(`${kind} ${kib} KiB: wrong outcome`);
        perKb.push(micros / repeat / (text.length / 1024));
      }
      rows[`${kind} ${kib} KiB`] = percentiles(perKb);
    }
  }
  printTable(`checkOperationLimits, ${rounds} rounds per size (µs per KB of query)`, rows);
}
