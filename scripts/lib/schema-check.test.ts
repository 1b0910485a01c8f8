import { execFile } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { projectRoot } from '../../shared/supergraph/index.js';
import { checkSchema, failed } from './schema-check.js';

const run = promisify(execFile);

/**
 * Each case runs the check in a temporary git repository holding a copy of this repository's
 * supergraph.yaml, subgraph schemas and operations, committed as the base, then edited.
 */
let root: string;
beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'guardyn-schema-check-'));
  await cp(path.join(projectRoot, 'supergraph.yaml'), path.join(root, 'supergraph.yaml'));
  await cp(
    path.join(projectRoot, 'schema', 'operations'),
    path.join(root, 'schema', 'operations'),
    {
      recursive: true,
    },
  );
  for (const name of ['auth', 'messaging', 'presence', 'media', 'notification']) {
    const file = path.join('subgraphs', name, 'schema.graphql');
    await cp(path.join(projectRoot, file), path.join(root, file));
  }
  const git = (...args: string[]) => run('git', ['-C', root, ...args]);
  await git('init', '--quiet');
  await git('add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '--quiet', '-m', 'base');
});
afterEach(() => rm(root, { recursive: true, force: true }));

async function edit(subgraph: string, from: string | RegExp, to: string): Promise<void> {
  const file = path.join(root, 'subgraphs', subgraph, 'schema.graphql');
  const sdl = await readFile(file, 'utf8');
  const edited = sdl.replace(from, to);
  if (edited === sdl) throw new Error(`${String(from)} is not in ${subgraph}'s schema`);
  await writeFile(file, edited);
}

describe('checkSchema', () => {
  it('passes with no changes', async () => {
    const report = await checkSchema(root, 'HEAD');
    expect(report.changes).toEqual([]);
    expect(failed(report)).toBe(false);
  });

  it('fails on a removed field, naming the type and field', async () => {
    await edit('auth', /\n\s*"How many one-time keys[^"]*"\n\s*preKeyCount: PreKeyCount!/, '');
    const report = await checkSchema(root, 'HEAD');
    expect(report.changes).toContainEqual(
      expect.objectContaining({ level: 'breaking', path: 'Query.preKeyCount' }),
    );
    expect(failed(report)).toBe(true);
  });

  it('calls an added optional argument safe', async () => {
    await edit(
      'messaging',
      'conversations: [Conversation!]!',
      'conversations(first: Int): [Conversation!]!',
    );
    const report = await checkSchema(root, 'HEAD');
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'safe', path: 'Query.conversations.first' }),
    ]);
    expect(failed(report)).toBe(false);
  });

  it('calls an added enum value dangerous, and passes', async () => {
    await edit('messaging', '  RECEIPT\n', '  RECEIPT\n  READ_RECEIPT\n');
    const report = await checkSchema(root, 'HEAD');
    expect(report.changes).toEqual([
      expect.objectContaining({ level: 'dangerous', path: 'EnvelopeType.READ_RECEIPT' }),
    ]);
    expect(failed(report)).toBe(false);
  });

  it('fails on a composition error', async () => {
    await edit('messaging', 'conversations: [Conversation!]!', 'conversations: [Nowhere!]!');
    const report = await checkSchema(root, 'HEAD');
    expect(report.compositionErrors.join('\n')).toMatch(/Nowhere/);
    expect(failed(report)).toBe(true);
  });

  it('names the file and operation that would stop validating', async () => {
    await edit('messaging', /\n\s*hasMore: Boolean!/, '');
    const report = await checkSchema(root, 'HEAD');
    expect(report.changes).toContainEqual(
      expect.objectContaining({ level: 'breaking', path: 'EnvelopeConnection.hasMore' }),
    );
    expect(report.operationProblems).toEqual([
      expect.objectContaining({
        file: 'schema/operations/InboxPage.graphql',
        operation: 'InboxPage',
      }),
    ]);
    expect(failed(report)).toBe(true);
  });
});
