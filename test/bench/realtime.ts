import { setFlagsFromString, writeHeapSnapshot } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { registerAccount, type TestAccount } from '../support/accounts.js';
import { expectData } from '../support/graphql-client.js';
import { recipientDevices, startDirectConversation } from '../support/messaging-client.js';
import { startTestGuardyn } from '../support/test-guardyn.js';
import { profiled } from './realtime/profile.js';
import { ClientPool } from './realtime/client-pool.js';
import type { Route } from './realtime/steady-send.js';
import { steadySendInChild } from './realtime/steady-send-child.js';
import { percentiles, printTable } from './stats.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const numberFrom = (name: string, fallback: number) => Number(process.env[name] ?? fallback);

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** The process's memory after a full collection (twice: weak maps and finalizers settle). */
function memory(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

function devicesOf(url: string, from: TestAccount, to: TestAccount) {
  return recipientDevices(url, from, to.userId);
}

const typingQuery =
  'subscription ($c: ID!) { typing(conversationId: $c) { typing user { username } } }';

/**
 * Subscriptions through the gateway, on an embedded Guardyn (with NATS when
 * GUARDYN_MESSAGING__NATS_URL is set); the steady senders, the subscribed sockets of the fan-out
 * and of the memory measure live in child processes, so this process's CPU and memory are the
 * server's alone. Printed, not
 * asserted. Sizes from the environment: REALTIME_SOCKETS (fan-out, default 10,000),
 * REALTIME_MEMORY_SOCKETS (memory, default the same; at most about 19,000 here, where a process
 * may hold 20,000 file descriptors), REALTIME_RATES (steady sends per second, or "serial" for
 * one at a time; default "serial,100,1000"), REALTIME_SECONDS (per rate, default 10),
 * REALTIME_SENDERS (default 8); REALTIME_PROFILE (a CPU
 * profile of the fan-out rounds) and REALTIME_HEAP_SNAPSHOT (heap snapshots before and after the
 * sockets open) name files to write, for summarise-profile.ts and summarise-heap.ts.
 */
export async function benchRealtime(): Promise<void> {
  const fanOutSockets = numberFrom('REALTIME_SOCKETS', 10_000);
  const memorySockets = Math.max(fanOutSockets, numberFrom('REALTIME_MEMORY_SOCKETS', 0));
  // "serial": one message at a time (each sent once the last has returned), as the old bench did.
  const rates = (process.env['REALTIME_RATES'] ?? 'serial,100,1000')
    .split(',')
    .filter((rate) => rate === 'serial' || Number(rate) > 0);
  const seconds = numberFrom('REALTIME_SECONDS', 10);
  const senders = numberFrom('REALTIME_SENDERS', 8);
  const guardyn = await startTestGuardyn({
    auth: { registrationsPerAddress: { limit: 100_000, windowMs: 60_000 } },
    subscriptionLimits: { maxConnectionsPerDevice: memorySockets + 10 },
    // Each sender's rates would stop a steady 1,000/s (bytes count at least 64 KiB a send).
    env: {
      GUARDYN_MESSAGING__SEND_RATE_PER_MINUTE: '100000',
      GUARDYN_MESSAGING__SEND_BYTES_PER_MINUTE: String(2 ** 40),
    },
  });
  const { url } = guardyn;
  const pools: ClientPool[] = [];
  try {
    // 1. Delivery latency at steady rates: `senders` senders, each to a recipient of its own.
    const routes: Route[] = [];
    for (let i = 0; i < senders; i++) {
      const sender = await registerAccount(url);
      const recipient = await registerAccount(url);
      routes.push({ sender, recipient, devices: await devicesOf(url, sender, recipient) });
    }
    let firstId = 0;
    for (const rate of rates) {
      const serial = rate === 'serial';
      const { result, nextId } = await steadySendInChild({
        url,
        routes,
        rate: serial ? 1000 : Number(rate),
        seconds,
        maxInFlight: serial ? 1 : 200,
        firstId,
      });
      firstId = nextId;
      console.log(
        `\n${serial ? 'one at a time' : `steady ${rate}/s`} for ${seconds} s, ${senders} senders: ` +
          `achieved ${result.achievedRate.toFixed(0)}/s, skipped ${serial ? '-' : result.skipped}, ` +
          `failed ${result.failed}, lost ${result.lost}`,
      );
      printTable(`sendMessage ${serial ? 'one at a time' : `at ${rate}/s`} (ms)`, {
        send: result.send,
        delivery: result.delivery,
      });
    }

    // 2. Typing fan-out: one event to N sockets (one subscription each, as N devices would have).
    const alice = await registerAccount(url);
    const bob = await registerAccount(url);
    const conversationId = await startDirectConversation(url, alice, bob);
    const setTyping = (typing = true) =>
      expectData(
        url,
        'mutation ($c: ID!, $t: Boolean!) { setTyping(conversationId: $c, typing: $t) }',
        { c: conversationId, t: typing },
        alice.accessToken,
      );
    // Subscribing checks membership per socket; warm up until every socket hears events.
    const warm = async (pool: ClientPool) => {
      for (let tries = 0; tries < 240 && (await pool.least()) === 0; tries++) {
        await setTyping();
        await settle(500);
      }
    };
    const open = async (total: number) => {
      const started = performance.now();
      const pool = await ClientPool.open({
        url,
        token: bob.accessToken,
        query: typingQuery,
        variables: { c: conversationId },
        total,
      });
      pools.push(pool);
      await warm(pool);
      console.log(
        `\n${total} sockets opened and subscribed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
      );
      return pool;
    };

    await settle(1000);
    const before = memory();
    const snapshots = process.env['REALTIME_HEAP_SNAPSHOT'];
    if (snapshots)
      console.log(`\nheap snapshot: ${writeHeapSnapshot(`${snapshots}-before.heapsnapshot`)}`);
    const pool = await open(fanOutSockets);
    await settle(2000);
    const after = memory();
    if (snapshots)
      console.log(`heap snapshot: ${writeHeapSnapshot(`${snapshots}-after.heapsnapshot`)}`);
    printMemory(fanOutSockets, before, after);

    // Each round times a typing start; a stop between rounds (untimed) resets the indicator.
    const fanOut: number[] = [];
    // The server's CPU over each round (this process holds the server alone): what the round
    // cost it, apart from the time the clients' processes took to read their frames.
    const serverCpu: number[] = [];
    await profiled('fan-out', async () => {
      for (let round = 0; round < 5; round++) {
        await setTyping(false);
        await settle(1000);
        const allReached = await pool.typingStarted();
        const cpuBefore = process.cpuUsage();
        const start = performance.now();
        await setTyping();
        await allReached();
        fanOut.push(performance.now() - start);
        const cpu = process.cpuUsage(cpuBefore);
        serverCpu.push((cpu.user + cpu.system) / 1000);
      }
    });
    printTable(
      `typing fan-out: setTyping → event at all ${fanOutSockets} subscribers, 5 rounds (ms)`,
      { fanOut: percentiles(fanOut), serverCpu: percentiles(serverCpu) },
    );
    const perSocketUs = (percentiles(serverCpu).p50 * 1000) / fanOutSockets;
    console.log(`server CPU per subscribed socket and event (p50): ${perSocketUs.toFixed(1)} µs`);

    if (memorySockets > fanOutSockets) {
      await open(memorySockets - fanOutSockets);
      await settle(2000);
      printMemory(memorySockets, before, memory());
    }
  } finally {
    for (const pool of pools) await pool.close();
    await guardyn.dispose();
  }
}

function printMemory(count: number, before: NodeJS.MemoryUsage, after: NodeJS.MemoryUsage): void {
  const kib = (bytes: number) => `${(bytes / count / 1024).toFixed(1)} KiB`;
  console.log(
    `\nserver memory per idle subscribed socket at ${count} sockets (clients in child processes): ` +
      `${kib(after.rss - before.rss)} RSS, ${kib(after.heapUsed - before.heapUsed)} heap, ` +
      `${kib(after.external + after.arrayBuffers - before.external - before.arrayBuffers)} external+buffers; ` +
      `RSS ${(after.rss / 2 ** 20).toFixed(0)} MiB in all`,
  );
}
