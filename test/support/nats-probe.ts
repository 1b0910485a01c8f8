import { connect } from 'nats';

/** The NATS server tests use: GUARDYN_MESSAGING__NATS_URL, else the local one. */
export const natsTestUrl = process.env['GUARDYN_MESSAGING__NATS_URL'] ?? 'nats://127.0.0.1:4222';

/**
 * Undefined when a NATS server with JetStream answers at `url`, else why not. Under CI a missing
 * server is an error, as for the bus contract suite; elsewhere the caller skips with the reason.
 */
export async function probeNats(url: string = natsTestUrl): Promise<string | undefined> {
  let problem: string | undefined;
  try {
    const nc = await connect({ servers: url, timeout: 2_000, reconnect: false });
    try {
      await (await nc.jetstreamManager()).getAccountInfo();
    } finally {
      await nc.close();
    }
  } catch (error) {
    problem = `no NATS with JetStream at ${url} (${String(error)})`;
  }
  if (problem !== undefined && process.env['CI']) {
    throw new Error(`CI is set, so NATS is required: ${problem}`);
  }
  return problem;
}
