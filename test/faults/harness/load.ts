/**
 * The senders: at a fixed rate, alternately a 1:1 message from one user's device 1 to every
 * device of the next user (and the sender's own other devices), and, every `groupEvery`th send,
 * a real MLS application message to the group. Each send is retried with its `clientMessageId`
 * until the server answers with success or the load gives up on it, and recorded in the ledger.
 */
import { randomBytes } from 'node:crypto';
import {
  SendGroupMessageDocument,
  SendMessageDocument,
} from '../../../schema/generated/operations.js';
import { encryptApplicationMessage } from '../../support/mls-group.js';
import { toBase64 } from '../../support/signal-device.js';
import { attempt } from './attempt.js';
import type { Ledger, SendRecord } from './ledger.js';
import { allDevices, devicesOf, type LoadDevice, type LoadUser, type LoadWorld } from './world.js';

export interface LoadOptions {
  /** Sends started per second, all senders together. @default 6 */
  readonly ratePerSecond?: number;
  /** Every how many sends one goes to the group. @default 4 */
  readonly groupEvery?: number;
  /** How long a send is retried after the load stopped starting new ones. @default 60 s */
  readonly retryForMs?: number;
}

export interface RunningLoad {
  /** Stops starting sends; resolves once every started send succeeded or was given up. */
  stop(): Promise<void>;
}

/** Starts the senders; each attempt of send number n goes to the gateway `route(n)` names. */
export function startLoad(
  route: (client: number) => string,
  world: LoadWorld,
  ledger: Ledger,
  options: LoadOptions = {},
): RunningLoad {
  const rate = options.ratePerSecond ?? 6;
  const groupEvery = options.groupEvery ?? 4;
  const retryForMs = options.retryForMs ?? 60_000;
  const run = randomBytes(3).toString('hex');
  const inFlight = new Set<Promise<void>>();
  let stoppedAt: number | undefined;
  let seq = 0;
  // Group messages are encrypted in order from the one MLS state: one at a time.
  let mlsQueue: Promise<unknown> = Promise.resolve();

  const keepTrying = async (record: SendRecord, send: () => Promise<string | undefined>) => {
    for (let wait = 250; ; wait = Math.min(wait * 2, 2_000)) {
      record.attempts++;
      const failure = await send();
      if (failure === undefined) {
        record.succeededAt = Date.now();
        return;
      }
      record.failures.push(failure);
      if (stoppedAt !== undefined && Date.now() - stoppedAt > retryForMs) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };

  const sendDirect = async (n: number) => {
    const from = world.users[n % world.users.length] as LoadUser;
    const to = world.users[(n + 1) % world.users.length] as LoadUser;
    const sender = from.devices[0] as LoadDevice;
    const tag = `direct ${sender.key}#${n}`;
    const content = Buffer.from(`faults ${run} ${tag}`).toString('base64');
    const own = devicesOf(from).slice(1);
    const record = ledger.planSend(content, {
      tag,
      kind: 'direct',
      addressed: [...devicesOf(to), ...own].map((device) => device.key),
    });
    const input = {
      recipientId: to.userId,
      clientMessageId: `flt-${run}-${n}`,
      deliveryReceipts: false,
      envelopes: [
        ...devicesOf(to).map((device) => envelopeFor(device, content)),
        ...own.map((device) => ({ ...envelopeFor(device, content), userId: from.userId })),
      ],
    };
    await keepTrying(record, async () => {
      const outcome = await attempt(route(n), SendMessageDocument, { input }, sender.accessToken);
      return outcome.ok ? undefined : outcome.failure;
    });
  };

  const sendGroup = async (n: number) => {
    // Every user in turn, so each has spoken in the group (and may see the others' presence).
    const from = world.users[Math.floor(n / groupEvery) % world.users.length] as LoadUser;
    const sender = from.devices[0] as LoadDevice;
    const tag = `group ${sender.key}#${n}`;
    const encrypted = mlsQueue.then(() => encryptApplicationMessage(world.group.state, tag));
    mlsQueue = encrypted;
    const content = toBase64(await encrypted);
    const record = ledger.planSend(content, {
      tag,
      kind: 'group',
      addressed: allDevices(world)
        .filter((device) => device.key !== sender.key)
        .map((device) => device.key),
    });
    const input = {
      conversationId: world.group.conversationId,
      epoch: world.group.epoch,
      message: content,
      clientMessageId: `flt-${run}-${n}`,
    };
    await keepTrying(record, async () => {
      const outcome = await attempt(
        route(n),
        SendGroupMessageDocument,
        { input },
        sender.accessToken,
      );
      return outcome.ok ? undefined : outcome.failure;
    });
  };

  const timer = setInterval(() => {
    const n = seq++;
    const sending = (n % groupEvery === groupEvery - 1 ? sendGroup(n) : sendDirect(n)).finally(() =>
      inFlight.delete(sending),
    );
    inFlight.add(sending);
  }, 1_000 / rate);

  return {
    async stop() {
      clearInterval(timer);
      stoppedAt = Date.now();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}

function envelopeFor(device: LoadDevice, content: string) {
  return {
    deviceId: device.deviceId,
    registrationId: device.registrationId,
    type: 'SIGNAL_MESSAGE' as const,
    content,
  };
}
