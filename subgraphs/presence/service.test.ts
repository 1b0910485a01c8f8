import { describe, expect, it } from '@jest/globals';
import type { Principal } from '../../shared/auth/index.js';
import {
  createInProcessBus,
  onEvent,
  publishEvent,
  typingEvent,
  type EventBus,
} from '../../shared/bus/index.js';
import { ForbiddenError } from '../../shared/errors/index.js';
import type { ConversationPeers } from '../../shared/federation/index.js';
import { PresenceService } from './service.js';
import { SqlitePresenceStore } from './store.sqlite.js';

const alice: Principal = {
  userId: 'alice',
  deviceId: 1,
  sessionId: 's',
  expiresAt: new Date(8.64e15),
};

function setup() {
  let now = Date.parse('2026-11-26T10:00:00Z');
  const announced: string[] = [];
  const typing: string[] = [];
  const asked: string[][] = [];
  const peers: ConversationPeers = {
    // The stub reads the viewer from the credentials the service forwards.
    visibleUsers: async (userIds, authorization) => {
      asked.push([...userIds]);
      return new Set(userIds.filter((userId) => authorization === 'alice' && userId === 'bob'));
    },
    isMember: async (conversationId) => conversationId === 'c1',
  };
  const service = new PresenceService(
    new SqlitePresenceStore(':memory:'),
    peers,
    {
      presenceChanged: async (userId, status) => void announced.push(`${userId}:${status}`),
      typing: async (conversationId, userId, isTyping, _at) =>
        void typing.push(`${conversationId}:${userId}:${isTyping}`),
    },
    { livenessMs: 90_000, typingMs: 50 },
    () => new Date(now),
  );
  const connection = (state: 'open' | 'closed', connectionId = 'c-1') =>
    service.connectionChanged({
      userId: 'alice',
      deviceId: 1,
      connectionId,
      state,
      at: new Date(now).toISOString(),
    });
  return { service, announced, typing, asked, connection, advance: (ms: number) => (now += ms) };
}

describe('PresenceService', () => {
  it('is ONLINE while a socket lives and OFFLINE with lastSeenAt when the last one closes', async () => {
    const { service, announced, connection, advance } = setup();
    expect((await service.presenceOf('alice')).status).toBe('OFFLINE');
    await connection('open', 'a');
    await connection('open', 'b');
    expect(await service.presenceOf('alice')).toMatchObject({ status: 'ONLINE' });
    advance(1000);
    await connection('closed', 'a');
    expect((await service.presenceOf('alice')).status).toBe('ONLINE');
    await connection('closed', 'b');
    const offline = await service.presenceOf('alice');
    expect(offline.status).toBe('OFFLINE');
    expect(offline.lastSeenAt?.toISOString()).toBe('2026-11-26T10:00:01.000Z');
    expect(announced).toEqual(['alice:ONLINE', 'alice:OFFLINE']);
  });

  it('forgets a deleted account, and drops its sockets’ late events until they must be gone', async () => {
    const { service, connection, advance } = setup();
    await connection('open', 'a');
    await service.setVisibility(alice, 'NOBODY');
    await service.accountDeleted('alice');
    // The socket closes after the deletion, and a heartbeat was on its way: neither writes.
    await connection('closed', 'a');
    await connection('open', 'b');
    expect(await service.presenceOf('alice')).toEqual({ status: 'OFFLINE', lastSeenAt: null });
    expect(await service.visibility(alice)).toBe('CONTACTS');
    // Past the longest a token (and its socket) can live, the id is an ordinary one again.
    advance(20 * 60_000);
    await connection('open', 'c');
    expect((await service.presenceOf('alice')).status).toBe('ONLINE');
  });

  it('expires sockets whose gateway went silent (no heartbeat)', async () => {
    const { service, announced, connection, advance } = setup();
    await connection('open');
    advance(60_000);
    await connection('open'); // heartbeat
    advance(60_000);
    await service.expireStale();
    expect((await service.presenceOf('alice')).status).toBe('ONLINE');
    advance(31_000);
    await service.expireStale();
    expect((await service.presenceOf('alice')).status).toBe('OFFLINE');
    expect(announced).toEqual(['alice:ONLINE', 'alice:OFFLINE']);
  });

  it('keeps AWAY while connected, and a socketless setPresence only for the liveness window', async () => {
    const { service, announced, connection, advance } = setup();
    await service.setPresence(alice, 'AWAY');
    expect((await service.presenceOf('alice')).status).toBe('AWAY');
    advance(91_000);
    await service.expireStale();
    expect((await service.presenceOf('alice')).status).toBe('OFFLINE');
    await connection('open');
    expect((await service.presenceOf('alice')).status).toBe('AWAY');
    expect(announced).toEqual(['alice:AWAY', 'alice:OFFLINE', 'alice:AWAY']);
  });

  it('shows presence only to conversation peers', async () => {
    const { service } = setup();
    const bob: Principal = { ...alice, userId: 'bob' };
    const carol: Principal = { ...alice, userId: 'carol' };
    expect(await service.presenceFor(alice, 'alice', 'alice')).not.toBeNull();
    expect(await service.presenceFor(carol, 'carol', 'bob')).toBeNull();
    expect(await service.presenceFor(alice, 'alice', 'bob')).toMatchObject({ status: 'OFFLINE' });
    expect(await service.presenceFor(bob, 'bob', 'bob')).not.toBeNull();
  });

  it('hides a NOBODY user from everyone but themselves, without asking messaging', async () => {
    const { service, asked } = setup();
    const bob: Principal = { ...alice, userId: 'bob' };
    expect(await service.visibility(bob)).toBe('CONTACTS');
    expect(await service.setVisibility(bob, 'NOBODY')).toBe('NOBODY');
    expect(await service.visibility(bob)).toBe('NOBODY');
    asked.length = 0;
    expect(await service.presenceFor(alice, 'alice', 'bob')).toBeNull();
    expect(asked).toEqual([]);
    expect(await service.presenceFor(bob, 'bob', 'bob')).toMatchObject({ status: 'OFFLINE' });
    await service.setVisibility(bob, 'CONTACTS');
    expect(await service.presenceFor(alice, 'alice', 'bob')).toMatchObject({ status: 'OFFLINE' });
  });

  it('answers many users with one question to messaging, in order', async () => {
    const { service, asked } = setup();
    const views = await service.presenceForMany(alice, 'alice', ['bob', 'carol', 'alice', 'bob']);
    expect(views.map((view) => view?.status ?? null)).toEqual([
      'OFFLINE',
      null,
      'OFFLINE',
      'OFFLINE',
    ]);
    expect(asked).toEqual([['bob', 'carol']]);
  });

  it('ends a typing indicator that is not renewed, and refuses non-members', async () => {
    const { service, typing } = setup();
    await service.setTyping(alice, undefined, 'c1', true);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(typing).toEqual(['c1:alice:true', 'c1:alice:false']);
    await expect(service.setTyping(alice, undefined, 'other', true)).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    service.stop();
  });

  it('with two replicas, ends a renewed indicator once, after the renewal, whichever replica armed it', async () => {
    const bus: EventBus = createInProcessBus();
    const seen: string[] = [];
    onEvent(bus, typingEvent, (event) => void seen.push(`${event.userId}:${event.typing}`));
    // Two replicas as index.ts wires them: publish on the bus, and follow every typing event.
    const replica = () => {
      const service = new PresenceService(
        new SqlitePresenceStore(':memory:'),
        { visibleUsers: async () => new Set<string>(), isMember: async () => true },
        {
          presenceChanged: async () => undefined,
          typing: (conversationId, userId, typing, at) =>
            publishEvent(bus, typingEvent, {
              conversationId,
              userId,
              typing,
              at: at.toISOString(),
            }),
        },
        { livenessMs: 90_000, typingMs: 100 },
      );
      onEvent(bus, typingEvent, (event) => service.typingSeen(event));
      return service;
    };
    const [first, second] = [replica(), replica()];
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      await first.setTyping(alice, undefined, 'c1', true);
      await pause(40);
      // The renewal reaches the other replica: the first one's expiry must not end it.
      await second.setTyping(alice, undefined, 'c1', true);
      await pause(300);
      expect(seen).toEqual(['alice:true', 'alice:true', 'alice:false']);

      // A stop through the other replica ends it once; the first's expiry stays silent.
      seen.length = 0;
      await first.setTyping(alice, undefined, 'c1', true);
      await pause(20);
      await second.setTyping(alice, undefined, 'c1', false);
      await pause(250);
      expect(seen).toEqual(['alice:true', 'alice:false']);
    } finally {
      first.stop();
      second.stop();
      await bus.close();
    }
  });
});
