import { describe, expect, it } from '@jest/globals';
import { deviceGlobalId, parseDeviceGlobalId } from './device-global-id.js';

describe('device global ids', () => {
  it('round-trips a device', () => {
    expect(parseDeviceGlobalId(deviceGlobalId('0192-user', 7))).toEqual({
      userId: '0192-user',
      deviceId: 7,
    });
  });

  it.each(['', 'u1', 'u1:', ':1', 'u1:1234', 'u1:x', 'u1:1:2', 'u1:-1'])('refuses %j', (id) => {
    expect(parseDeviceGlobalId(id)).toBeNull();
  });
});
