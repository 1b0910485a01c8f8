import { afterEach, beforeEach, describe } from '@jest/globals';
import { type MessagingStore } from './store.js';
import { StoreUnderTest } from './store.contract.fixtures.js';
import { conversationsContract } from './store.contract.conversations.js';
import { mailboxContract } from './store.contract.mailbox.js';

export { envelope, newGroup } from './store.contract.fixtures.js';

/** The MessagingStore contract: every adapter must pass it, races included. */
export function describeMessagingStoreContract(
  adapter: string,
  openStore: () => Promise<MessagingStore>,
): void {
  describe(`MessagingStore contract: ${adapter}`, () => {
    const t = new StoreUnderTest();
    beforeEach(async () => {
      t.store = await openStore();
    });
    afterEach(() => t.store.close());

    mailboxContract(t);
    conversationsContract(t);
  });
}
