/**
 * MLS group states in the store's `groups` section, by conversation id, as ts-mls's own
 * encoding: a group survives restarts, and a state is only replaced once the server accepted
 * what produced it.
 */
import { decodeGroupState, encodeGroupState, type ClientState } from 'ts-mls';
import { defaultClientConfig } from 'ts-mls/clientConfig.js';
import { fromBase64, toBase64 } from './encoding.js';
import type { GuardynStore } from './store.js';

export async function loadGroupState(
  store: GuardynStore,
  conversationId: string,
): Promise<ClientState | undefined> {
  const saved = await store.get('groups', conversationId);
  if (saved === undefined) return undefined;
  const decoded = decodeGroupState(fromBase64(saved), 0);
  if (decoded === undefined)
    throw new Error(`the saved state of group ${conversationId} is corrupt`);
  return { ...decoded[0], clientConfig: defaultClientConfig };
}

export async function saveGroupState(
  store: GuardynStore,
  conversationId: string,
  state: ClientState,
): Promise<void> {
  await store.set('groups', conversationId, toBase64(encodeGroupState(state)));
}

/** User ids of the group's members, from the basic credentials `<userId>.<deviceId>`. */
export function memberUserIds(state: ClientState): string[] {
  return [...new Set(memberIdentities(state).map((identity) => identity.replace(/\.\d+$/, '')))];
}

/** Leaf index and identity of every member, in leaf order. */
export function memberLeaves(state: ClientState): { leafIndex: number; identity: string }[] {
  // Leaves sit at even node indices of the array-represented tree: leaf i is node 2i.
  return state.ratchetTree.flatMap((node, nodeIndex) =>
    node?.nodeType === 'leaf' && node.leaf.credential.credentialType === 'basic'
      ? [
          {
            leafIndex: nodeIndex / 2,
            identity: new TextDecoder().decode(node.leaf.credential.identity),
          },
        ]
      : [],
  );
}

function memberIdentities(state: ClientState): string[] {
  return memberLeaves(state).map((leaf) => leaf.identity);
}
