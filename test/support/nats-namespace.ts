import { connect } from 'nats';
import { rateLimitBucketName } from '../../shared/rate-limit/index.js';

/**
 * Removes what a namespaced test deployment left on the NATS server: the JetStream stream of its
 * bus (see NatsBusOptions.namespace) and the KV buckets of its rate limiters.
 */
export async function deleteNatsNamespace(
  url: string,
  namespace: string,
  streamName = 'GUARDYN',
): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    const limiterStreams = `KV_${rateLimitBucketName('', namespace)}`;
    const doomed = [`${streamName}_${namespace}`];
    for await (const name of jsm.streams.names()) {
      if (name.startsWith(limiterStreams)) doomed.push(name);
    }
    for (const name of doomed) await jsm.streams.delete(name).catch(() => false);
  } finally {
    await nc.close();
  }
}
