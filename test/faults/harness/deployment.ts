import {
  startDistributedGuardyn,
  type DistributedGuardyn,
} from '../../support/distributed-guardyn.js';
import {
  startLoopbackPushProviders,
  type LoopbackPushProviders,
} from '../../support/push-providers/index.js';
import { startPrivateCassandra, type PrivateCassandra } from './private-cassandra.js';
import { startPrivateNats, type PrivateNats } from '../../support/private-nats.js';

/**
 * What the fault suite breaks: the six services as processes, on a NATS server and a Cassandra
 * node of the suite's own (the machine's shared ones are never touched), pushing to loopback
 * FCM and APNs servers.
 */
/** The wake-up collapse window the suite runs with (GUARDYN_NOTIFICATION__COLLAPSE_SECONDS). */
export const collapseSeconds = 5;

export interface FaultDeployment {
  readonly nats: PrivateNats;
  readonly cassandra: PrivateCassandra;
  readonly guardyn: DistributedGuardyn;
  readonly providers: LoopbackPushProviders;
  dispose(): Promise<void>;
}

export async function startFaultDeployment(): Promise<FaultDeployment> {
  const disposers: (() => Promise<void>)[] = [];
  const dispose = async () => {
    for (const disposeOne of disposers.splice(0).reverse()) {
      await disposeOne().catch(() => undefined);
    }
  };
  try {
    const cassandra = await startPrivateCassandra();
    disposers.push(cassandra.dispose);
    const nats = await startPrivateNats();
    disposers.push(nats.dispose);
    const providers = await startLoopbackPushProviders();
    disposers.push(providers.close);
    const guardyn = await startDistributedGuardyn(
      nats.url,
      {
        GUARDYN_DATABASE__SCYLLADB_NODES: cassandra.contactPoint,
        GUARDYN_DATABASE__SCYLLADB_KEYSPACE_PREFIX: 'faults',
        // The load sends far more than a person would: the per-user send limit is not under test.
        GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '100000',
        GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: String(2 ** 30),
        // Short, so that every scenario sees wake-ups and several windows.
        GUARDYN_NOTIFICATION__COLLAPSE_SECONDS: String(collapseSeconds),
        ...providers.env,
      },
      // On a busy 2-core machine, four services migrating a fresh keyspace each take a while.
      // A process that dies on its own is started again, as Kubernetes' restart policy would
      // (k8s/): the suite reports the crash and checks the promise as deployed.
      { startTimeoutMs: 180_000, restartCrashed: true },
    );
    disposers.push(guardyn.dispose);
    return { nats, cassandra, guardyn, providers, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
