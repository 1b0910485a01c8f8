/**
 * Thin MLS group operations over ts-mls for tests: create a group, add members from claimed
 * KeyPackages (commit + Welcome), join from a Welcome, apply commits, and encrypt or decrypt
 * application messages. Every message crosses as encoded `MLSMessage` bytes, as on the wire.
 */
import { randomBytes } from 'node:crypto';
import {
  acceptAll,
  createApplicationMessage,
  createCommit,
  createGroup,
  decodeMlsMessage,
  emptyPskIndex,
  encodeMlsMessage,
  joinGroup,
  processMessage,
} from 'ts-mls';
import type { ClientState, MLSMessage, ProcessMessageResult, Proposal } from 'ts-mls';
import { createKeyPackage, decodeKeyPackageMessage } from './mls-client.js';
import type { MlsTestClient } from './mls-client.js';

/** A client's view of one group; `state` advances with every commit sent or received. */
export interface MlsGroupMember {
  readonly client: MlsTestClient;
  state: ClientState;
}

/** What adding members produces: the commit for the group and the Welcome for the newcomers. */
export interface AddMembersResult {
  /** Encoded `MLSMessage` (a private message carrying the commit). */
  readonly commit: Uint8Array;
  /** Encoded `MLSMessage` of wire format `mls_welcome`, with the ratchet tree included. */
  readonly welcome: Uint8Array;
}

/** Creates a group at epoch 0 whose only member is `client`. */
export async function createMlsGroup(
  client: MlsTestClient,
  groupId: Uint8Array = randomBytes(16),
): Promise<MlsGroupMember> {
  const own = await createKeyPackage(client);
  client.keyPackages.delete(Buffer.from(own.reference).toString('hex'));
  const state = await createGroup(
    groupId,
    own.keyPackage,
    own.privatePackage,
    [],
    client.cipherSuite,
  );
  return { client, state };
}

/** Commits Add proposals for claimed KeyPackages (encoded `MLSMessage` bytes). */
export async function addMembers(
  member: MlsGroupMember,
  keyPackages: readonly Uint8Array[],
): Promise<AddMembersResult> {
  const proposals: Proposal[] = keyPackages.map((bytes) => ({
    proposalType: 'add',
    add: { keyPackage: decodeKeyPackageMessage(bytes) },
  }));
  const result = await createCommit(
    { state: member.state, cipherSuite: member.client.cipherSuite },
    { extraProposals: proposals, ratchetTreeExtension: true },
  );
  if (result.welcome === undefined) throw new Error('the commit produced no Welcome');
  member.state = result.newState;
  return {
    commit: encodeMlsMessage(result.commit),
    welcome: encodeMlsMessage({
      version: 'mls10',
      wireformat: 'mls_welcome',
      welcome: result.welcome,
    }),
  };
}

/** Commits the removal of the member whose credential identity is `identity`. */
export async function removeMember(
  member: MlsGroupMember,
  identity: string,
): Promise<{ readonly commit: Uint8Array }> {
  const removed = leafIndexOf(member.state, identity);
  const result = await createCommit(
    { state: member.state, cipherSuite: member.client.cipherSuite },
    { extraProposals: [{ proposalType: 'remove', remove: { removed } }] },
  );
  member.state = result.newState;
  return { commit: encodeMlsMessage(result.commit) };
}

/** Joins a group from a Welcome addressed to one of the client's KeyPackages. */
export async function joinFromWelcome(
  client: MlsTestClient,
  welcomeBytes: Uint8Array,
): Promise<MlsGroupMember> {
  const message = decode(welcomeBytes);
  if (message.wireformat !== 'mls_welcome') throw new Error('not a Welcome');
  const { welcome } = message;
  const target = welcome.secrets
    .map((secret) => Buffer.from(secret.newMember).toString('hex'))
    .find((reference) => client.keyPackages.has(reference));
  const own = target === undefined ? undefined : client.keyPackages.get(target);
  if (target === undefined || own === undefined) {
    throw new Error(`the Welcome names none of ${client.identity}'s KeyPackages`);
  }
  const state = await joinGroup(
    welcome,
    own.keyPackage,
    own.privatePackage,
    emptyPskIndex,
    client.cipherSuite,
  );
  // A last-resort KeyPackage may be handed out again: its keys must stay.
  if (!own.lastResort) client.keyPackages.delete(target);
  return { client, state };
}

/** Applies a commit another member sent; the member moves to the next epoch. */
export async function processCommit(member: MlsGroupMember, commit: Uint8Array): Promise<void> {
  const result = await receive(member, commit);
  if (result.kind !== 'newState') throw new Error('expected a commit, got an application message');
}

/** Encrypts an application message for the group's current epoch. */
export async function encryptApplicationMessage(
  member: MlsGroupMember,
  plaintext: Uint8Array | string,
): Promise<Uint8Array> {
  const bytes = typeof plaintext === 'string' ? new TextEncoder().encode(plaintext) : plaintext;
  const result = await createApplicationMessage(member.state, bytes, member.client.cipherSuite);
  member.state = result.newState;
  return encodeMlsMessage({
    version: 'mls10',
    wireformat: 'mls_private_message',
    privateMessage: result.privateMessage,
  });
}

/** Decrypts an application message from another member. */
export async function decryptApplicationMessage(
  member: MlsGroupMember,
  message: Uint8Array,
): Promise<Uint8Array> {
  const result = await receive(member, message);
  if (result.kind !== 'applicationMessage') throw new Error('expected an application message');
  return result.message;
}

/** The member's current epoch. */
export function epochOf(member: MlsGroupMember): bigint {
  return member.state.groupContext.epoch;
}

/** Identities of the group's members, in leaf order. */
export function memberIdentities(member: MlsGroupMember): string[] {
  return member.state.ratchetTree.flatMap((node) =>
    node?.nodeType === 'leaf' && node.leaf.credential.credentialType === 'basic'
      ? [new TextDecoder().decode(node.leaf.credential.identity)]
      : [],
  );
}

async function receive(member: MlsGroupMember, bytes: Uint8Array): Promise<ProcessMessageResult> {
  const message = decode(bytes);
  if (message.wireformat !== 'mls_private_message' && message.wireformat !== 'mls_public_message') {
    throw new Error(`cannot process a ${message.wireformat} as a group message`);
  }
  const result = await processMessage(
    message,
    member.state,
    emptyPskIndex,
    acceptAll,
    member.client.cipherSuite,
  );
  member.state = result.newState;
  return result;
}

function decode(bytes: Uint8Array): MLSMessage {
  const decoded = decodeMlsMessage(bytes, 0);
  if (decoded === undefined) throw new Error('not an encoded MLSMessage');
  return decoded[0];
}

function leafIndexOf(state: ClientState, identity: string): number {
  const wanted = new TextEncoder().encode(identity);
  // Leaves sit at even node indices of the array-represented tree: leaf i is node 2i.
  const nodeIndex = state.ratchetTree.findIndex(
    (node) =>
      node?.nodeType === 'leaf' &&
      node.leaf.credential.credentialType === 'basic' &&
      Buffer.from(node.leaf.credential.identity).equals(wanted),
  );
  if (nodeIndex < 0) throw new Error(`${identity} is not a member`);
  return nodeIndex / 2;
}
