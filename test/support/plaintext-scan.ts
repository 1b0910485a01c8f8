import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** Every file under `dir` that contains any of `needles` (as UTF-8 bytes), with the needle found. */
export async function filesContaining(dir: string, needles: readonly string[]): Promise<string[]> {
  const found: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    for (const needle of needles) {
      if (bytes.includes(Buffer.from(needle, 'utf8'))) found.push(`${file}: ${needle}`);
    }
  }
  return found;
}

/** Every file under `dir` whose bytes contain any of `marks`. */
export async function filesHoldingAny(
  dir: string,
  marks: readonly Uint8Array[],
): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    if (marks.some((mark) => bytes.includes(Buffer.from(mark)))) found.push(file);
  }
  return found;
}
