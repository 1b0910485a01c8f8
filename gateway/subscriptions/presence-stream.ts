import { Kind, type SelectionSetNode } from 'graphql';
import { presenceSubject } from '../../shared/bus/index.js';
import { EventQueue } from './event-queue.js';
import { PerSelection } from './per-selection.js';
import { InOrder } from './in-order.js';
import { bridgeVariable, delegatedQuery, rootField } from '../execution/delegated-query.js';
import type { SubscriptionField } from './subscription-field.js';
import type { OperationResult } from '../execution/operation-runner.js';
import {
  errorResult,
  toStreamResult,
  type StreamDependencies,
  type StreamResult,
} from './stream-deps.js';
import type { Subscriber } from './subscriber.js';

/** Most users one presenceChanged subscription may follow. */
const maxFollowedUsers = 500;

/** The hidden field that says whether the subscriber may see the user's presence right now. */
const visibilityKey = 'guardynVisible';

/** The client's selection plus `guardynVisible: presence { status }`. */
function withVisibility(selectionSet: SelectionSetNode): SelectionSetNode {
  const name = (value: string) => ({ kind: Kind.NAME, value }) as const;
  return {
    ...selectionSet,
    selections: [
      {
        kind: Kind.FIELD,
        alias: name(visibilityKey),
        name: name('presence'),
        selectionSet: {
          kind: Kind.SELECTION_SET,
          selections: [{ kind: Kind.FIELD, name: name('status') }],
        },
      },
      ...selectionSet.selections,
    ],
  };
}

/**
 * What the subscriber gets for one change: the user as they resolved it, without the hidden
 * field; null (the event is dropped) when their `User.presence` is null, i.e. they may not see
 * it. A failed operation (no data at all, e.g. a revoked token) is passed on as errors.
 */
function visibleResult(result: OperationResult, responseKey: string): StreamResult | null {
  if (!result.data) return toStreamResult(result);
  const user = result.data['guardynRoot'] as Record<string, unknown> | null | undefined;
  if (!user || user[visibilityKey] === null || user[visibilityKey] === undefined) return null;
  const { [visibilityKey]: _hidden, ...selected } = user;
  return { data: { [responseKey]: selected } };
}

const userQueries = new PerSelection<string>();

/**
 * `presenceChanged(userIds)`: changes of the users whose presence the subscriber may see.
 * Authorization is at the data, for every event: each subscriber's own query also selects the
 * user's presence under a hidden alias, and a change whose presence resolves to null for them is
 * dropped, so a right that ends stops delivery at the next event and no result is shared
 * between subscribers. Users who share no conversation with the subscriber are not followed at
 * all; who is followed is re-checked every `rightsRecheckMs`, so a user who becomes visible
 * starts delivering.
 */
export async function presenceStream(
  deps: StreamDependencies,
  subscriber: Subscriber,
  field: SubscriptionField,
): Promise<AsyncIterableIterator<StreamResult> | StreamResult> {
  const requested = [...new Set((field.args['userIds'] as string[] | undefined) ?? [])];
  if (requested.length > maxFollowedUsers) {
    return errorResult(
      `follow at most ${maxFollowedUsers} users per subscription`,
      'PAYLOAD_TOO_LARGE',
    );
  }
  const { authorization } = subscriber.credentials;
  const visible = await deps.peers.visibleUsers(requested, authorization);
  const query = userQueries.get(deps.schema, field.selectionSet, () =>
    delegatedQuery(field, [rootField('user', ['id'], withVisibility(field.selectionSet))], {
      id: 'ID!',
    }),
  );

  const followed = new Map<string, () => void>();
  const stopRefreshing = deps.rechecks.every(() => void followVisible());
  const queue = new EventQueue<StreamResult>(
    () => {
      stopRefreshing();
      followed.forEach((stop) => stop());
      followed.clear();
    },
    deps.maxQueuedResults,
    deps.onSlowConsumer,
  );
  const order = new InOrder(deps.onError);

  function follow(userId: string): void {
    if (followed.has(userId) || queue.isClosed) return;
    const stop = deps.hub.listen(presenceSubject(userId), () => {
      const resolving = deps.run(
        query,
        { ...field.variables, [bridgeVariable('id')]: userId },
        subscriber.credentials,
      );
      order.add(resolving, (result) => {
        const delivered = visibleResult(result, field.responseKey);
        if (delivered) queue.push(delivered);
      });
    });
    followed.set(userId, stop);
  }

  function unfollow(userId: string): void {
    followed.get(userId)?.();
    followed.delete(userId);
  }

  let refreshing = false;
  async function followVisible(): Promise<void> {
    // A slow answer must not pile up calls; the next tick asks again.
    if (refreshing) return;
    refreshing = true;
    try {
      const now = await deps.peers.visibleUsers(requested, authorization);
      for (const userId of requested) (now.has(userId) ? follow : unfollow)(userId);
    } catch (error) {
      deps.onError(error);
    } finally {
      refreshing = false;
    }
  }

  for (const userId of visible) follow(userId);
  return queue;
}
