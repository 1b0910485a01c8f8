import { describe, expect, it } from '@jest/globals';
import { routeLabel } from './http-metrics.js';
import { subjectFamily } from './subject-family.js';

describe('label values', () => {
  it('name a subject by its family, never by its ids', () => {
    expect(subjectFamily('guardyn.mailbox.u1.2')).toBe('mailbox');
    expect(subjectFamily('guardyn.device.revoked.u1')).toBe('device');
    expect(subjectFamily('guardyn.u1')).toBe('other');
    expect(subjectFamily('guardyn.invented.x')).toBe('other');
    expect(subjectFamily('elsewhere.mailbox.u1')).toBe('other');
  });

  it('name an HTTP route from a fixed set', () => {
    expect(routeLabel('/graphql')).toBe('graphql');
    expect(routeLabel('/media/0190a1b2-c3d4')).toBe('media');
    expect(routeLabel('/.well-known/jwks.json')).toBe('jwks');
    expect(routeLabel('/anything/else')).toBe('other');
  });
});
