/**
 * `tsx test/bench/realtime/summarise-heap.ts <before.heapsnapshot> <after.heapsnapshot> <count>
 * [top]`: what grew between two V8 heap snapshots, by constructor (or string, closure, code),
 * in bytes of self size per `count` (e.g. per socket opened in between).
 */
import { readFile } from 'node:fs/promises';

interface Snapshot {
  readonly snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
  readonly nodes: number[];
  readonly strings: string[];
}

async function sizes(file: string): Promise<Map<string, { bytes: number; count: number }>> {
  const heap = JSON.parse(await readFile(file, 'utf8')) as Snapshot;
  const fields = heap.snapshot.meta.node_fields;
  const types = heap.snapshot.meta.node_types[0];
  const [type, name, size] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const totals = new Map<string, { bytes: number; count: number }>();
  for (let i = 0; i < heap.nodes.length; i += fields.length) {
    const kind = types[heap.nodes[i + type] as number] ?? '?';
    const label =
      kind === 'object' || kind === 'closure' || kind === 'native'
        ? `${kind} ${heap.strings[heap.nodes[i + name] as number]}`
        : kind;
    const total = totals.get(label) ?? { bytes: 0, count: 0 };
    total.bytes += heap.nodes[i + size] as number;
    total.count++;
    totals.set(label, total);
  }
  return totals;
}

const [beforeFile, afterFile, countText, top = '30'] = process.argv.slice(2);
if (!beforeFile || !afterFile || !countText) throw new Error('usage: before after count [top]');
const count = Number(countText);
const [before, after] = await Promise.all([sizes(beforeFile), sizes(afterFile)]);
const grown = [...after].map(([label, { bytes, count: objects }]) => {
  const was = before.get(label) ?? { bytes: 0, count: 0 };
  return { label, bytes: (bytes - was.bytes) / count, objects: (objects - was.count) / count };
});
const total = grown.reduce((sum, each) => sum + each.bytes, 0);
console.log(`heap growth per unit: ${total.toFixed(0)} bytes`);
for (const each of grown.sort((a, b) => b.bytes - a.bytes).slice(0, Number(top))) {
  console.log(
    `${each.bytes.toFixed(0).padStart(7)} B ${each.objects.toFixed(2).padStart(7)} objects  ${each.label}`,
  );
}
