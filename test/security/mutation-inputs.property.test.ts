import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { errorCodes } from '../../shared/errors/index.js';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData } from '../support/graphql-client.js';
import { startDirectConversation } from '../support/messaging-client.js';
import { changedTables, snapshotStores } from '../support/store-snapshot.js';
import { readSupergraphFields } from '../support/supergraph-fields.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';
import {
  operationFor,
  requestBody,
  variablesArbitrary,
  type KnownValues,
} from './arbitrary-variables.js';

/**
 * Property: whatever JSON a client puts in a mutation's variables, through the gateway, the
 * answer is a success or a GraphQL error with a known code (never INTERNAL, never a 5xx), and a
 * refused mutation changes no row of any store. Every mutation of the composed API is tried.
 */

const runsPerMutation = Number(process.env['GUARDYN_FUZZ_RUNS'] ?? 30);
const knownCodes = Object.keys(errorCodes).filter((code) => code !== 'INTERNAL');
/** Columns that change on reads (a session's last use): not a change a mutation made. */
const volatileColumns = ['sessions.last_used_at'];
/** Mutations whose success ends the session they were sent with. */
const endsSession = new Set(['logout', 'revokeSession', 'removeDevice']);
/**
 * A refresh token presented again after it was spent revokes its session (reuse detection: a
 * copy is in someone else's hands). That refusal is meant to change the store.
 */
const reuseRefusal = 'Refresh token was already used; the session is revoked';

const { api } = readSupergraphFields();
const mutations = Object.values(api.getMutationType()?.getFields() ?? {});

let alice: TestAccount;
let bob: TestAccount;
let aliceToken: string;
let known: KnownValues;
let inputsTried = 0;
const outcomes = new Map<string, number>();

const world = useTestGuardyn();
beforeAll(async () => {
  [alice, bob] = await Promise.all([registerAccount(world.url), registerAccount(world.url)]);
  aliceToken = alice.accessToken;
  const conversationId = await startDirectConversation(world.url, alice, bob);
  const { createGroup } = await expectData<{ createGroup: { id: string } }>(
    world.url,
    'mutation ($input: CreateGroupInput!) { createGroup(input: $input) { id } }',
    { input: { mlsGroupId: randomBytes(32).toString('base64') } },
    alice.accessToken,
  );
  known = {
    ids: [alice.userId, bob.userId, conversationId, createGroup.id, `${bob.userId}:1`],
    strings: [alice.username, bob.username, alice.password, alice.refreshToken],
  };
}, 60_000);

afterAll(() => {
  const summary = [...outcomes.entries()].map(([outcome, count]) => `${outcome} ${count}`);
  // The number of inputs tried is part of the test's output (CI logs show it).
  process.stdout.write(
    `mutation property test: ${inputsTried} inputs over ${mutations.length} mutations (${summary.join(', ')})\n`,
  );
});

/** Signs Alice in again when a fuzzed mutation ended her session. */
async function renewAliceSession(): Promise<void> {
  const { login } = await expectData<{ login: { accessToken: string } }>(
    world.url,
    'mutation ($input: LoginInput!) { login(input: $input) { accessToken } }',
    { input: { username: alice.username, password: alice.password, deviceId: 1 } },
  );
  aliceToken = login.accessToken;
}

describe('every mutation with arbitrary variables', () => {
  it('covers every mutation of the composed API', () => {
    expect(mutations.length).toBeGreaterThan(20);
  });

  for (const field of mutations) {
    it(`${field.name}: a known code or success; a refusal changes nothing`, async () => {
      const query = operationFor('mutation', field);
      await fc.assert(
        fc.asyncProperty(
          variablesArbitrary(field, known),
          fc.boolean(),
          async (variables, signedIn) => {
            inputsTried++;
            const before = snapshotStores(world.guardyn.dataDir, volatileColumns);
            const response = await fetch(world.url, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                ...(signedIn ? { authorization: `Bearer ${aliceToken}` } : {}),
              },
              body: requestBody(query, variables),
            });
            const text = await response.text();
            expect(response.status).toBeLessThan(500);
            const body = JSON.parse(text) as {
              data?: Record<string, unknown> | null;
              errors?: { message: string; extensions?: { code?: string } }[];
            };
            const codes = (body.errors ?? []).map((error) => error.extensions?.code ?? 'none');
            for (const code of codes) expect(knownCodes).toContain(code);
            const succeeded =
              body.data?.[field.name] !== undefined && body.data?.[field.name] !== null;
            const outcome = succeeded ? 'ok' : (codes[0] ?? 'none');
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            if (!succeeded && body.errors?.[0]?.message === reuseRefusal) {
              const changed = changedTables(
                before,
                snapshotStores(world.guardyn.dataDir, volatileColumns),
              );
              expect(changed.every((table) => /:(sessions|refresh_tokens)$/.test(table))).toBe(
                true,
              );
              await renewAliceSession();
            } else if (!succeeded) {
              expect(
                changedTables(before, snapshotStores(world.guardyn.dataDir, volatileColumns)),
              ).toEqual([]);
            } else if (signedIn && field.name === 'deleteAccount') {
              // Alice guessed her own password: she is gone, a new Alice takes her place.
              alice = await registerAccount(world.url);
              aliceToken = alice.accessToken;
            } else if (signedIn && endsSession.has(field.name)) {
              await renewAliceSession();
            }
          },
        ),
        { numRuns: runsPerMutation },
      );
    }, 120_000);
  }
});
