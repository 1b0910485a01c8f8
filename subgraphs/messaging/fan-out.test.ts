import { describe, expect, it } from '@jest/globals';
import {
  BadUserInputError,
  GuardynError,
  MismatchedDevicesError,
  StaleDevicesError,
} from '../../shared/errors/index.js';
import type { DeviceInfo } from './device-directory.js';
import { planFanOut, type AddressedEnvelope } from './fan-out.js';
import type { EnvelopeType } from './store.js';

interface TestEnvelope extends AddressedEnvelope {
  readonly type: EnvelopeType;
}

/** Device `id` with registration id `100 + id` unless given. */
const device = (deviceId: number, registrationId = 100 + deviceId): DeviceInfo => ({
  deviceId,
  registrationId,
});

/** An envelope for `deviceId` of `userId` (the recipient when omitted), current by default. */
const envelope = (
  deviceId: number,
  options: { userId?: string; registrationId?: number; type?: EnvelopeType } = {},
): TestEnvelope => ({
  deviceId,
  registrationId: options.registrationId ?? 100 + deviceId,
  type: options.type ?? 'SIGNAL_MESSAGE',
  ...(options.userId === undefined ? {} : { userId: options.userId }),
});

/** Alice sends from her device 1; her devices are 1, 2 and 3. Bob has devices 1 and 2. */
function plan(
  envelopes: readonly TestEnvelope[],
  overrides: {
    recipientId?: string;
    recipientDevices?: readonly DeviceInfo[];
    senderDevices?: readonly DeviceInfo[];
  } = {},
) {
  return planFanOut({
    senderUserId: 'alice',
    senderDeviceId: 1,
    recipientId: overrides.recipientId ?? 'bob',
    envelopes,
    recipientDevices: overrides.recipientDevices ?? [device(1), device(2)],
    senderDevices: overrides.senderDevices ?? [device(1), device(2), device(3)],
  });
}

/** The refusal `plan` throws, to compare its code and details. */
function refusal(...args: Parameters<typeof plan>): GuardynError {
  try {
    plan(...args);
  } catch (error) {
    if (error instanceof GuardynError) return error;
    throw error;
  }
  throw new Error('the fan-out was accepted');
}

const toAlice = (deviceId: number, options: Parameters<typeof envelope>[1] = {}) =>
  envelope(deviceId, { ...options, userId: 'alice' });
const complete = [envelope(1), envelope(2), toAlice(2), toAlice(3)];

describe('planFanOut: a complete fan-out', () => {
  it('targets every device of the recipient, then the sender’s other devices', () => {
    const targets = plan(complete);
    expect(targets.map(({ userId, deviceId }) => `${userId}:${deviceId}`)).toEqual([
      'bob:1',
      'bob:2',
      'alice:2',
      'alice:3',
    ]);
    // Each target carries the client's envelope itself.
    expect(targets.map((target) => target.envelope)).toEqual(complete);
    expect(targets[0]?.envelope).toBe(complete[0]);
  });

  it('addresses an envelope without userId, or with the recipient’s, to the recipient', () => {
    const targets = plan([envelope(1, { userId: 'bob' }), envelope(2), toAlice(2), toAlice(3)]);
    expect(targets.filter((target) => target.userId === 'bob')).toHaveLength(2);
  });

  it('asks nothing for the sender’s own devices when the sending device is the only one', () => {
    expect(plan([envelope(1), envelope(2)], { senderDevices: [device(1)] })).toHaveLength(2);
  });

  it('plans sealed and unsealed envelopes alike (whether a send is sealed is decided later)', () => {
    const sealed = [
      envelope(1, { type: 'SEALED_SENDER' }),
      envelope(2, { type: 'SEALED_SENDER' }),
      toAlice(2, { type: 'PREKEY_MESSAGE' }),
      toAlice(3, { type: 'SEALED_SENDER' }),
    ];
    expect(plan(sealed).map((target) => target.envelope.type)).toEqual([
      'SEALED_SENDER',
      'SEALED_SENDER',
      'PREKEY_MESSAGE',
      'SEALED_SENDER',
    ]);
    // A sealed envelope to a re-registered device is as stale as any other.
    const stale = [envelope(1, { type: 'SEALED_SENDER', registrationId: 7 }), ...complete.slice(1)];
    expect(refusal(stale)).toBeInstanceOf(StaleDevicesError);
  });
});

describe('planFanOut: MISMATCHED_DEVICES, with the device ids to fix', () => {
  it('lists the recipient’s devices without an envelope', () => {
    expect(refusal([envelope(1), toAlice(2), toAlice(3)])).toMatchObject({
      code: 'MISMATCHED_DEVICES',
      details: {
        missingDevices: [2],
        extraDevices: [],
        missingOwnDevices: [],
        extraOwnDevices: [],
      },
    });
  });

  it('lists envelopes for devices the recipient does not have', () => {
    expect(refusal([...complete, envelope(9)])).toMatchObject({
      details: { missingDevices: [], extraDevices: [9] },
    });
  });

  it('lists the sender’s other devices without an envelope, and envelopes for unknown ones', () => {
    expect(refusal([envelope(1), envelope(2), toAlice(2), toAlice(8)])).toMatchObject({
      details: {
        missingDevices: [],
        extraDevices: [],
        missingOwnDevices: [3],
        extraOwnDevices: [8],
      },
    });
  });

  it('counts an envelope for the sending device itself as extra', () => {
    expect(refusal([...complete, toAlice(1)])).toMatchObject({
      details: { extraOwnDevices: [1] },
    });
  });

  it('reports every list at once, and before any stale device', () => {
    const error = refusal([envelope(1, { registrationId: 7 }), envelope(5), toAlice(2)]);
    expect(error).toBeInstanceOf(MismatchedDevicesError);
    expect(error.details).toEqual({
      missingDevices: [2],
      extraDevices: [5],
      missingOwnDevices: [3],
      extraOwnDevices: [],
    });
  });

  it('asks for every device of a recipient whose list changed since the client fetched it', () => {
    expect(
      refusal(complete, { recipientDevices: [device(1), device(2), device(4)] }),
    ).toMatchObject({ details: { missingDevices: [4] } });
  });
});

describe('planFanOut: STALE_DEVICES, re-registered devices', () => {
  it('lists the recipient’s devices whose registration id changed', () => {
    const error = refusal(complete, { recipientDevices: [device(1), device(2, 555)] });
    expect(error).toBeInstanceOf(StaleDevicesError);
    expect(error.details).toEqual({ staleDevices: [2], staleOwnDevices: [] });
  });

  it('lists the sender’s own stale devices apart', () => {
    expect(
      refusal([
        envelope(1, { registrationId: 1 }),
        envelope(2),
        toAlice(2),
        toAlice(3, { registrationId: 3 }),
      ]),
    ).toMatchObject({
      code: 'STALE_DEVICES',
      details: { staleDevices: [1], staleOwnDevices: [3] },
    });
  });
});

describe('planFanOut: a note to self', () => {
  const toSelf = { recipientId: 'alice', recipientDevices: [device(1), device(2), device(3)] };

  it('covers only the sender’s other devices, however the envelopes are addressed', () => {
    const targets = plan([envelope(2), toAlice(3)], toSelf);
    expect(targets.map(({ userId, deviceId }) => `${userId}:${deviceId}`)).toEqual([
      'alice:2',
      'alice:3',
    ]);
  });

  it('reports its devices in the recipient lists, the own lists staying empty', () => {
    expect(refusal([envelope(2), envelope(1)], toSelf)).toMatchObject({
      details: {
        missingDevices: [3],
        extraDevices: [1],
        missingOwnDevices: [],
        extraOwnDevices: [],
      },
    });
    expect(refusal([envelope(2, { registrationId: 9 }), envelope(3)], toSelf)).toMatchObject({
      details: { staleDevices: [2], staleOwnDevices: [] },
    });
  });

  it('refuses two envelopes for one device, whichever way each is addressed', () => {
    expect(refusal([envelope(2), toAlice(2), toAlice(3)], toSelf)).toBeInstanceOf(
      BadUserInputError,
    );
  });
});

describe('planFanOut: malformed fan-outs (BAD_USER_INPUT)', () => {
  it('refuses two envelopes for one device', () => {
    const error = refusal([...complete, envelope(2)]);
    expect(error).toBeInstanceOf(BadUserInputError);
    expect(error.message).toBe('two envelopes for device 2');
    expect(refusal([...complete, toAlice(3)])).toBeInstanceOf(BadUserInputError);
  });

  it('refuses an envelope addressed to a third user', () => {
    expect(refusal([...complete, envelope(1, { userId: 'carol' })])).toMatchObject({
      code: 'BAD_USER_INPUT',
      details: { field: 'envelopes' },
    });
  });
});
