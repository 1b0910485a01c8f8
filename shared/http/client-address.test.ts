import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { resolveClientAddress } from './client-address.js';
import { loopbackRanges, normalizeAddress, parseCidr, TrustedProxies } from './trusted-proxies.js';

describe('parseCidr', () => {
  it.each([
    ['10.0.0.0/8', '10.0.0.0/8'],
    [' 192.168.1.7 ', '192.168.1.7/32'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['FD00::/8', 'fd00::/8'],
    ['::1', '::1/128'],
    ['[2001:db8::1]/64', '2001:db8::1/64'],
    ['::ffff:10.1.2.3/32', '10.1.2.3/32'],
  ])('reads %s as %s', (text, expected) => {
    expect(parseCidr(text)).toBe(expected);
  });

  it.each([
    ['', 'not an IP address'],
    ['10.0.0/8', 'not an IP address'],
    ['example.com/24', 'not an IP address'],
    ['10.0.0.0/33', 'prefix length must be 0 to 32'],
    ['fd00::/129', 'prefix length must be 0 to 128'],
    ['10.0.0.0/-1', 'prefix length'],
    ['10.0.0.0/8/9', 'not an IP address'],
    ['10.0.0.0/', 'prefix length'],
  ])('refuses %j', (text, problem) => {
    expect(() => parseCidr(text)).toThrow(problem);
  });
});

describe('TrustedProxies', () => {
  const trusted = new TrustedProxies(['10.0.0.0/8', 'fd00::/8', ...loopbackRanges]);

  it.each([
    ['10.255.1.2', true],
    ['11.0.0.1', false],
    ['::ffff:10.0.0.1', true],
    ['fd12:3456::1', true],
    ['fe80::1', false],
    ['127.0.0.2', true],
    ['::1', true],
    ['not-an-address', false],
  ])('%s trusted: %s', (address, expected) => {
    expect(trusted.trusts(address)).toBe(expected);
  });

  it('trusts nobody when the list is empty', () => {
    expect(new TrustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });
});

describe('resolveClientAddress', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '2001:db8::/32']);

  it('believes nothing an untrusted peer says', () => {
    expect(resolveClientAddress('203.0.113.9', '198.51.100.1', proxies)).toBe('203.0.113.9');
    expect(resolveClientAddress('::ffff:203.0.113.9', '10.0.0.1', proxies)).toBe('203.0.113.9');
  });

  it('takes the right-most address that is not a trusted proxy', () => {
    // The client forged the first entry; the ingress appended what it saw, then our hop.
    expect(resolveClientAddress('10.0.0.5', '1.1.1.1, 203.0.113.9, 10.0.0.7', proxies)).toBe(
      '203.0.113.9',
    );
    expect(resolveClientAddress('10.0.0.5', ['1.1.1.1', '203.0.113.9'], proxies)).toBe(
      '203.0.113.9',
    );
    expect(resolveClientAddress('2001:db8::5', '[2001:DB8::1]:443, 2001:db8::2', proxies)).toBe(
      '2001:db8::1',
    );
    expect(resolveClientAddress('10.0.0.5', '203.0.113.9:51234', proxies)).toBe('203.0.113.9');
  });

  it('a trusted peer without a header, or with only proxies in it, is the furthest hop known', () => {
    expect(resolveClientAddress('10.0.0.5', undefined, proxies)).toBe('10.0.0.5');
    expect(resolveClientAddress('10.0.0.5', ' , ', proxies)).toBe('10.0.0.5');
    expect(resolveClientAddress('10.0.0.5', '10.0.0.1, 10.0.0.2', proxies)).toBe('10.0.0.1');
  });

  it('stops at an entry that is not an address, at the hop that wrote it', () => {
    expect(resolveClientAddress('10.0.0.5', '203.0.113.9, garbage, 10.0.0.7', proxies)).toBe(
      '10.0.0.7',
    );
    expect(resolveClientAddress(undefined, '203.0.113.9', proxies)).toBe('unknown');
  });

  it('no header moves an untrusted peer; forged entries left of the client never win', () => {
    const ipv4 = fc.ipV4();
    fc.assert(
      fc.property(ipv4, fc.array(fc.oneof(ipv4, fc.string())), (peer, entries) => {
        const header = entries.join(', ');
        const result = resolveClientAddress(peer, header, proxies);
        if (!proxies.trusts(peer)) return result === normalizeAddress(peer);
        return true;
      }),
    );
    fc.assert(
      fc.property(fc.array(ipv4), ipv4, (forged, client) => {
        fc.pre(!proxies.trusts(client));
        const header = [...forged, client, '10.1.2.3'].join(',');
        return resolveClientAddress('10.9.9.9', header, proxies) === client;
      }),
    );
  });
});
