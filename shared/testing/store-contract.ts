/**
 * The frame of every store contract suite (subgraphs/<name>/store.contract.ts): a describe block
 * whose tests each get a fresh store from the adapter under test, closed after the test.
 */
import { afterEach, beforeEach, describe } from '@jest/globals';

/** The store a contract's tests run against; read it inside a test, where it is open. */
export interface StoreUnderTest<TStore> {
  readonly store: TStore;
}

export function describeStoreContract<TStore extends { close(): Promise<void> }>(
  title: string,
  openStore: () => Promise<TStore>,
  tests: (t: StoreUnderTest<TStore>) => void,
): void {
  describe(title, () => {
    let open: TStore | undefined;
    beforeEach(async () => {
      open = await openStore();
    });
    afterEach(() => open?.close());
    tests({
      get store() {
        if (!open) throw new Error('the store opens in beforeEach: read it in a test');
        return open;
      },
    });
  });
}
