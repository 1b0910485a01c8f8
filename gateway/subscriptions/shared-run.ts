import type { HubEvent } from './topic-hub.js';

/**
 * One execution per bus event for every subscriber that may share it: the caller's `key` names
 * what makes results equal (the same viewer-independent selection, the same variable values).
 * The first subscriber to ask starts `shared`, the others wait for the same promise. A shared
 * result of null (the execution failed, e.g. its subscriber's session was just revoked) is not
 * handed on: each subscriber then runs `own`, with its own credentials.
 */
export function sharedRun<T>(
  event: HubEvent,
  key: string,
  shared: () => Promise<T | null>,
  own: () => Promise<T>,
): Promise<T> {
  // Only callers using `key` store under it, so its promise is of their T.
  let run = event.shared.get(key) as Promise<T | null> | undefined;
  if (!run) {
    run = shared();
    event.shared.set(key, run);
  }
  return run.then((result) => result ?? own());
}
