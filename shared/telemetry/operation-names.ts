import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kind, parse } from 'graphql';

/** The client operations the project knows (one per file, named like the operation). */
export const defaultOperationsDir = fileURLToPath(
  new URL('../../schema/operations/', import.meta.url),
);

/** Label for an operation whose name is not a known one: a client cannot create series. */
export const otherOperation = 'other';
/** Label for an operation without a name. */
export const anonymousOperation = 'anonymous';

/**
 * The names of the operations defined in `dir`'s `*.graphql` files. A missing folder means no
 * known names; a file that does not parse is skipped (the codegen check reports it).
 */
export function loadKnownOperationNames(dir: string = defaultOperationsDir): ReadonlySet<string> {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.graphql'));
  } catch {
    return new Set();
  }
  const names = new Set<string>();
  for (const file of files) {
    try {
      const document = parse(readFileSync(path.join(dir, file), 'utf8'));
      for (const definition of document.definitions) {
        if (definition.kind === Kind.OPERATION_DEFINITION && definition.name) {
          names.add(definition.name.value);
        }
      }
    } catch {
      // Not an operation file we can read: its names stay unknown.
    }
  }
  return names;
}

/**
 * The `operation` label: the name when known, else `other`; `anonymous` without a name. The
 * gateway names subgraph fetches `<Operation>__<subgraph>__<n>`, so subgraphs label them by the
 * client's operation.
 */
export function operationLabel(
  name: string | null | undefined,
  known: ReadonlySet<string>,
): string {
  if (!name) return anonymousOperation;
  const clientName = name.replace(/__[A-Za-z0-9_]+__\d+$/, '');
  return known.has(clientName) ? clientName : otherOperation;
}
