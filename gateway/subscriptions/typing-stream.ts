import { GraphQLObjectType, type FieldNode, type SelectionSetNode } from 'graphql';
import {
  membershipEvent,
  membershipSubject,
  typingEvent,
  typingSubject,
  type TypingEvent as TypingBusEvent,
} from '../../shared/bus/index.js';
import { EventQueue } from './event-queue.js';
import { InOrder } from './in-order.js';
import { bridgeVariable, delegatedQuery, rootField } from '../execution/delegated-query.js';
import type { OperationResult } from '../execution/operation-runner.js';
import { PerSelection } from './per-selection.js';
import { RightsCheck } from './rights-check.js';
import { sharedRun } from './shared-run.js';
import {
  errorResult,
  toStreamResult,
  type StreamDependencies,
  type StreamResult,
} from './stream-deps.js';
import type { Subscriber } from './subscriber.js';
import { selectedFields, type SubscriptionField } from './subscription-field.js';
import type { HubEvent } from './topic-hub.js';
import { isViewerIndependent } from './viewer-independence.js';

/**
 * `typing(conversationId)`, for members only, for as long as they are members: membership is
 * re-checked when a membership event names the subscriber as removed, and every
 * `rightsRecheckMs`; when it has ended the stream sends one FORBIDDEN error and completes.
 * TypingEvent is not an entity: its own fields come from the event, and `user { ... }` is
 * resolved through the gateway as `user(id)`. When the selection is viewer-independent, one
 * execution per event serves every subscriber.
 */
export async function typingStream(
  deps: StreamDependencies,
  subscriber: Subscriber,
  field: SubscriptionField,
): Promise<AsyncIterableIterator<StreamResult> | StreamResult> {
  const conversationId = String(field.args['conversationId']);
  const plan = typingPlans.get(deps.schema, field.selectionSet, () => typingPlan(deps, field));
  // Subscribers share a payload only with the same selection and the same variable values.
  const shareKey = plan.shareable ? `${plan.key}\n${JSON.stringify(field.variables)}` : null;

  const stops: (() => void)[] = [];
  const queue = new EventQueue<StreamResult>(
    () => {
      stops.forEach((stop) => stop());
      rights.stop();
    },
    deps.maxQueuedResults,
    deps.onSlowConsumer,
  );
  // Listening starts before the first check answers, so a departure in between is not missed;
  // the deliveries wait for that answer.
  const rights = new RightsCheck(
    () => deps.peers.isMember(conversationId, subscriber.credentials.authorization),
    deps.rechecks,
    () => {
      queue.push(errorResult('You are no longer a member of this conversation', 'FORBIDDEN'));
      queue.finish();
    },
    deps.onError,
  );
  const order = new InOrder(deps.onError);
  stops.push(
    deps.hub.listen(typingSubject(conversationId), (event) => {
      const typing = typingEvent.parse(event.data);
      if (!typing || typing.conversationId !== conversationId) return;
      order.add(resolve(event, typing), (result) => {
        // Decided at once when the latest check has answered; else once it does.
        const now = rights.allowedNow();
        if (now === undefined) return deliverOnceChecked(result);
        if (now) queue.push(result);
        return undefined;
      });
    }),
    deps.hub.listen(membershipSubject(conversationId), (event) => {
      const change = membershipEvent.parse(event.data);
      if (change?.removedUserIds.includes(subscriber.principal.userId)) rights.recheck();
    }),
  );
  let member: boolean;
  try {
    member = await rights.allowed();
  } catch (error) {
    void queue.return();
    throw error;
  }
  if (!member) {
    void queue.return();
    return errorResult('Only members may follow typing in a conversation', 'FORBIDDEN');
  }

  async function deliverOnceChecked(result: StreamResult): Promise<void> {
    if (await rights.allowed()) queue.push(result);
  }

  const execute = (typing: TypingBusEvent): Promise<OperationResult> | null =>
    plan.query
      ? deps.run(
          plan.query,
          { ...field.variables, [bridgeVariable('id')]: typing.userId },
          subscriber.credentials,
        )
      : null;

  function resolve(event: HubEvent, typing: TypingBusEvent): Promise<StreamResult> {
    if (!shareKey) return resolveOwn(typing);
    // One execution and one payload per event for every subscriber that may share them.
    return sharedRun(
      event,
      shareKey,
      () =>
        Promise.resolve(execute(typing)).then((result) =>
          result && (result.errors || !result.data)
            ? null
            : typingPayload(plan, field.responseKey, typing, result?.data ?? {}),
        ),
      () => resolveOwn(typing),
    );
  }

  async function resolveOwn(typing: TypingBusEvent): Promise<StreamResult> {
    const own = await execute(typing);
    if (own && !own.data) return toStreamResult(own);
    return typingPayload(plan, field.responseKey, typing, own?.data ?? {});
  }
  return queue;
}

interface TypingPlan {
  /** The fields selected on TypingEvent, fragments flattened (all of them are on TypingEvent). */
  readonly fields: readonly FieldNode[];
  /** `user(id:)` for each `user { ... }` selected, or null if none is. */
  readonly query: string | null;
  /** Whether one execution may serve every subscriber (see isViewerIndependent). */
  readonly shareable: boolean;
  /** Tells plans apart in an event's shared work. */
  readonly key: string;
}

const typingPlans = new PerSelection<TypingPlan>();
let planCount = 0;

function typingPlan(deps: StreamDependencies, field: SubscriptionField): TypingPlan {
  const fields = selectedFields(field.selectionSet, field.fragments);
  const userFields = fields.filter((node) => node.name.value === 'user' && node.selectionSet);
  // Each `user { ... }` (with its alias) becomes a root `user(id:)` under the same response key.
  const userRoots = userFields.map((node) =>
    rootField('user', ['id'], node.selectionSet as SelectionSetNode, node.alias?.value ?? 'user'),
  );
  const typingType = deps.schema.getType('TypingEvent');
  return {
    fields,
    query: userRoots.length > 0 ? delegatedQuery(field, userRoots, { id: 'ID!' }) : null,
    shareable:
      typingType instanceof GraphQLObjectType &&
      isViewerIndependent(deps.schema, typingType, field, field.selectionSet),
    key: `typing-plan-${++planCount}`,
  };
}

function typingPayload(
  plan: TypingPlan,
  responseKey: string,
  typing: TypingBusEvent,
  users: Record<string, unknown>,
): StreamResult {
  const payload: Record<string, unknown> = {};
  for (const node of plan.fields) {
    const key = node.alias?.value ?? node.name.value;
    switch (node.name.value) {
      case '__typename':
        payload[key] = 'TypingEvent';
        break;
      case 'conversationId':
        payload[key] = typing.conversationId;
        break;
      case 'typing':
        payload[key] = typing.typing;
        break;
      case 'user':
        payload[key] = users[key] ?? null;
        break;
    }
  }
  return { data: { [responseKey]: payload } };
}
