/**
 * A test device's libsignal stores: the SDK's own (@guardyn/client), over a MemoryStore, so the
 * tests exercise the same persistence code as apps. Nothing outlives the process.
 */
import { MemoryStore, signalStores, type SignalStores } from '@guardyn/client';
import type { IdentityKeyPair } from '@signalapp/libsignal-client';

/** All the stores of one device, and the MemoryStore they write to (to see what is kept). */
export type SignalProtocolStores = SignalStores & { readonly records: MemoryStore };

/** Ids of the records a section holds, in order: which prekeys are left. */
export async function storedIds(
  stores: SignalProtocolStores,
  section: 'preKeys' | 'kyberPreKeys',
): Promise<number[]> {
  return (await stores.records.keys(section)).map(Number).sort((a, b) => a - b);
}

/** Empty stores for a device with this identity and registration id. */
export function createSignalProtocolStores(
  identityKeyPair: IdentityKeyPair,
  registrationId: number,
): SignalProtocolStores {
  const records = new MemoryStore();
  return { ...signalStores(records, identityKeyPair, registrationId), records };
}
