/**
 * Runs `steadySend` in a child process of the realtime benchmark, so the senders and the
 * recipients' sockets do not share the server's event loop: at 1,000 sends per second they would
 * otherwise take a large part of it and the delivery latency would measure them too. Both ends of
 * each timing (the send returning, the event arriving) are read on this process's clock.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { steadySend, type Route, type SteadyResult } from './steady-send.js';

interface SteadyRequest {
  readonly url: string;
  readonly routes: readonly Route[];
  readonly rate: number;
  readonly seconds: number;
  readonly maxInFlight: number;
  /** The first message number: numbers stay unique across runs (see steady-send.ts). */
  readonly firstId: number;
}

type SteadyReply = { readonly result: SteadyResult; readonly nextId: number };

const thisScript = fileURLToPath(import.meta.url);

/** `steadySend` in a child process; resolves with its result once the child has exited. */
export async function steadySendInChild(request: SteadyRequest): Promise<SteadyReply> {
  const child = fork(thisScript, ['--child'], { execArgv: ['--import', 'tsx'], stdio: 'inherit' });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const reply = new Promise<SteadyReply>((resolve) => child.once('message', resolve));
  child.send(request);
  const answered = await Promise.race([reply, exited.then(() => null)]);
  await exited;
  if (!answered) throw new Error('the steady sender exited without a result');
  return answered;
}

if (process.argv.includes('--child')) {
  process.once('message', (request: SteadyRequest) => {
    steadySend(request.url, request.routes, request.rate, request.seconds, {
      maxInFlight: request.maxInFlight,
      firstId: request.firstId,
    })
      .then(({ result, nextId }) => process.send?.({ result, nextId } satisfies SteadyReply))
      .finally(() => process.disconnect());
  });
}
