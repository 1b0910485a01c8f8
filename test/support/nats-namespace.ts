import { connect } from 'nats';

/** Removes the JetStream stream a namespaced test bus created (see NatsBusOptions.namespace). */
export async function deleteNatsNamespace(
  url: string,
  namespace: string,
  streamName = 'GUARDYN',
): Promise<void> {
  const nc = await connect({ servers: url });
  try {
    const jsm = await nc.jetstreamManager();
    await jsm.streams.delete(`${streamName}_${namespace}`).catch(() => false);
  } finally {
    await nc.close();
  }
}
