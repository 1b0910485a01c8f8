import { BlockList, isIP } from 'node:net';

/** Loopback in both families: a proxy on the same host (and the embedded gateway's own hop). */
export const loopbackRanges: readonly string[] = ['127.0.0.0/8', '::1/128'];

/**
 * An address as compared and counted: without IPv6 brackets or zone, and an IPv4-mapped IPv6
 * address (`::ffff:1.2.3.4`, as dual-stack sockets report IPv4 peers) as plain IPv4, so one
 * client has one spelling. Undefined when it is not an IP address.
 */
export function normalizeAddress(text: string): string | undefined {
  let address = text.trim();
  if (address.startsWith('[') && address.endsWith(']')) address = address.slice(1, -1);
  address = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped?.[1]) address = mapped[1];
  const family = isIP(address);
  if (family === 0) return undefined;
  return family === 6 ? address.toLowerCase() : address;
}

/**
 * `10.0.0.0/8`, `fd00::/8`, or a single address (`/32`, `/128` implied), normalized to
 * `<address>/<prefix>`. Throws with what is wrong: used to validate configuration.
 */
export function parseCidr(text: string): string {
  const [addressPart = '', prefixPart, extra] = text.trim().split('/');
  const address = normalizeAddress(addressPart);
  if (address === undefined || extra !== undefined) {
    throw new Error(`"${text}" is not an IP address or CIDR range`);
  }
  const bits = isIP(address) === 4 ? 32 : 128;
  if (prefixPart === undefined) return `${address}/${bits}`;
  if (!/^\d{1,3}$/.test(prefixPart) || Number(prefixPart) > bits) {
    throw new Error(`"${text}": the prefix length must be 0 to ${bits}`);
  }
  return `${address}/${Number(prefixPart)}`;
}

/** The proxies whose `X-Forwarded-For` is believed: a set of CIDR ranges. */
/** Addresses whose verdict `TrustedProxies` keeps before starting over. */
const maxVerdicts = 1024;

export class TrustedProxies {
  private readonly ranges = new BlockList();
  private readonly verdicts = new Map<string, boolean>();

  constructor(cidrs: readonly string[]) {
    for (const cidr of cidrs) {
      const [address = '', prefix] = parseCidr(cidr).split('/');
      this.ranges.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
    }
  }

  trusts(address: string): boolean {
    const known = this.verdicts.get(address);
    if (known !== undefined) return known;
    const normalized = normalizeAddress(address);
    const verdict =
      normalized !== undefined &&
      this.ranges.check(normalized, isIP(normalized) === 4 ? 'ipv4' : 'ipv6');
    // Every request asks about its peer, and the peers are few (the gateway, proxies): the
    // verdicts are kept, a bounded number of them (BlockList.check allocates per call).
    if (this.verdicts.size >= maxVerdicts) this.verdicts.clear();
    this.verdicts.set(address, verdict);
    return verdict;
  }
}
