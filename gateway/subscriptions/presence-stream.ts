import { GraphQLObjectType } from 'graphql';
import { presenceSubject } from '../../shared/bus/index.js';
import { EventQueue } from './event-queue.js';
import {
  bridgeVariable,
  delegatedQuery,
  isViewerIndependent,
  rootField,
  type SubscriptionField,
} from './operation.js';
import {
  errorResult,
  toStreamResult,
  type StreamDependencies,
  type StreamResult,
} from './stream-deps.js';
import type { Subscriber } from './subscriber.js';
import { sharedRun } from './typing-stream.js';

/** Most users one presenceChanged subscription may follow. */
const maxFollowedUsers = 500;

/**
 * `presenceChanged(userIds)`: changes of the users who share a conversation with the subscriber;
 * the others are filtered out silently. Each change is resolved as `user(id) { ... }` through the
 * gateway, once per event for all subscribers when the selection is viewer-independent.
 */
export async function presenceStream(
  deps: StreamDependencies,
  subscriber: Subscriber,
  field: SubscriptionField,
): Promise<AsyncIterableIterator<StreamResult> | StreamResult> {
  const requested = (field.args['userIds'] as string[] | undefined) ?? [];
  if (requested.length > maxFollowedUsers) {
    return errorResult(
      `follow at most ${maxFollowedUsers} users per subscription`,
      'PAYLOAD_TOO_LARGE',
    );
  }
  const visible = await deps.peers.visibleUsers(requested, subscriber.credentials.authorization);
  const query = delegatedQuery(field, [rootField('user', ['id'], field.selectionSet)], {
    id: 'ID!',
  });
  const userType = deps.schema.getType('User');
  const shareable =
    userType instanceof GraphQLObjectType &&
    isViewerIndependent(deps.schema, userType, field, field.selectionSet);

  const stops: (() => void)[] = [];
  const queue = new EventQueue<StreamResult>(
    () => stops.forEach((stop) => stop()),
    deps.maxQueuedResults,
    deps.onSlowConsumer,
  );
  for (const userId of visible) {
    stops.push(
      deps.hub.listen(presenceSubject(userId), (event) => {
        const run = () =>
          deps.run(
            query,
            { ...field.variables, [bridgeVariable('id')]: userId },
            subscriber.credentials,
          );
        (shareable ? sharedRun(event, query, run) : run()).then(
          (result) =>
            queue.push(
              result.data
                ? { data: { [field.responseKey]: result.data['guardynRoot'] } }
                : toStreamResult(result),
            ),
          deps.onError,
        );
      }),
    );
  }
  return queue;
}
