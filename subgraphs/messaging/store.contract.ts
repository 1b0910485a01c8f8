import { describeStoreContract } from '../../shared/testing/store-contract.js';
import { type MessagingStore } from './store.js';
import { conversationsContract } from './store.contract.conversations.js';
import { accountDeletionContract } from './store.contract.deletion.js';
import { mailboxContract } from './store.contract.mailbox.js';
import { wakeupOutboxContract } from './store.contract.outbox.js';
import { sealedSendsContract } from './store.contract.sealed.js';

export { envelope, newGroup } from './store.contract.fixtures.js';

/** The MessagingStore contract: every adapter must pass it, races included. */
export function describeMessagingStoreContract(
  adapter: string,
  openStore: () => Promise<MessagingStore>,
): void {
  describeStoreContract(`MessagingStore contract: ${adapter}`, openStore, (t) => {
    mailboxContract(t);
    conversationsContract(t);
    sealedSendsContract(t);
    accountDeletionContract(t);
    wakeupOutboxContract(t);
  });
}
