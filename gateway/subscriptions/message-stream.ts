import { Kind, type FieldNode, type SelectionSetNode } from 'graphql';
import { mailboxSubject } from '../../shared/bus/index.js';
import { EventQueue } from './event-queue.js';
import { firstPageSize, nextPageSize } from './mailbox-pages.js';
import { PerSelection } from './per-selection.js';
import { bridgeVariable, delegatedQuery, rootField } from '../execution/delegated-query.js';
import type { SubscriptionField } from './subscription-field.js';
import {
  errorResult,
  toStreamResult,
  type StreamDependencies,
  type StreamResult,
} from './stream-deps.js';
import type { Subscriber } from './subscriber.js';

const leaf = (name: string): FieldNode => ({
  kind: Kind.FIELD,
  name: { kind: Kind.NAME, value: name },
});

/** The envelope id the bridge adds to the client's selection, to deliver each envelope once. */
const idKey = 'guardynEnvelopeId';

/** `{ cursor hasMore edges { guardynEnvelopeId: id <client selection> } }` for the inbox. */
function inboxSelection(envelopeSelection: SelectionSetNode): SelectionSetNode {
  const withId: SelectionSetNode = {
    ...envelopeSelection,
    selections: [
      { ...leaf('id'), alias: { kind: Kind.NAME, value: idKey } },
      ...envelopeSelection.selections,
    ],
  };
  return {
    kind: Kind.SELECTION_SET,
    selections: [leaf('cursor'), leaf('hasMore'), { ...leaf('edges'), selectionSet: withId }],
  };
}

const inboxQueries = new PerSelection<string>();

interface InboxPage {
  readonly edges: readonly Record<string, unknown>[];
  readonly cursor: string | null;
  readonly hasMore: boolean;
}

/**
 * `messageReceived`: the device's pending mailbox first, then live envelopes, with no gap and no
 * duplicate. Both come from one place, the mailbox read in server order after a cursor; bus
 * hints (and a slow poll, as core NATS may drop a hint) only say when to read again. So an
 * envelope stored while the backlog is read is delivered exactly once in the stream, and after a
 * reconnect a new subscription starts again from everything not yet acknowledged.
 */
export function messageStream(
  deps: StreamDependencies,
  subscriber: Subscriber,
  field: SubscriptionField,
): AsyncIterableIterator<StreamResult> {
  const { userId, deviceId } = subscriber.principal;
  const query = inboxQueries.get(deps.schema, field.selectionSet, () =>
    delegatedQuery(
      field,
      [rootField('inbox', ['first', 'after'], inboxSelection(field.selectionSet))],
      { first: 'Int', after: 'String' },
    ),
  );
  let cursor: string | null = null;
  let pageSize = firstPageSize;
  let reading = false;
  let again = false;
  let rewind = false;
  // Ids delivered in this stream (the newest 20,000: more than a connected device keeps pending).
  const delivered = new Set<string>();
  const remember = (id: string) => {
    delivered.add(id);
    if (delivered.size > 20_000) delivered.delete(delivered.values().next().value as string);
  };

  const stopListening = deps.hub.listen(mailboxSubject(userId, deviceId), () => void read());
  // The slow poll reads the whole pending mailbox again (deduplicated by id): it also catches
  // an envelope a distributed store committed behind the cursor (see ScyllaMessagingStore).
  const stopPolling = deps.mailboxPolls.every(() => {
    rewind = true;
    void read();
  });
  const queue = new EventQueue<StreamResult>(
    () => {
      stopListening();
      stopPolling();
    },
    deps.maxQueuedResults,
    deps.onSlowConsumer,
  );

  async function read(): Promise<void> {
    if (reading) {
      again = true;
      return;
    }
    reading = true;
    try {
      do {
        again = false;
        if (rewind) {
          rewind = false;
          cursor = null;
        }
        let hasMore = true;
        while (hasMore && !queue.isClosed) {
          const result = await deps.run(
            query,
            {
              ...field.variables,
              [bridgeVariable('first')]: pageSize,
              [bridgeVariable('after')]: cursor,
            },
            subscriber.credentials,
          );
          const page = result.data?.['guardynRoot'] as InboxPage | null | undefined;
          if (!page) {
            // Typically a revoked session: say why and end the stream.
            queue.push(
              result.errors
                ? toStreamResult({ errors: result.errors })
                : errorResult('Mailbox unavailable', 'INTERNAL'),
            );
            queue.finish();
            return;
          }
          for (const edge of page.edges) {
            const { [idKey]: id, ...envelope } = edge as Record<string, unknown>;
            // A store whose cursor re-reads a little (to catch late writes) repeats envelopes.
            if (typeof id === 'string' && delivered.has(id)) continue;
            if (typeof id === 'string') remember(id);
            queue.push({ data: { [field.responseKey]: envelope } });
          }
          if (page.edges.length > 0) pageSize = nextPageSize(page.edges);
          cursor = page.cursor ?? cursor;
          hasMore = page.hasMore;
        }
      } while (again && !queue.isClosed);
    } catch (error) {
      deps.onError(error);
    } finally {
      reading = false;
    }
  }

  void read();
  return queue;
}
