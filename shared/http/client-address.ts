import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { normalizeAddress, TrustedProxies } from './trusted-proxies.js';

/** Entries of one or more X-Forwarded-For headers, left (first hop) to right (last hop). */
function forwardedChain(header: string | string[] | undefined): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [header];
  return values
    .flatMap((value) => value.split(','))
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
}

/** Some proxies write `1.2.3.4:5678` or `[::1]:5678`; the port is not part of the client. */
function withoutPort(entry: string): string {
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(entry);
  if (bracketed?.[1]) return bracketed[1];
  const ipv4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d+$/.exec(entry);
  return ipv4WithPort?.[1] ?? entry;
}

/**
 * The client's address for rate limits. A peer that is not a trusted proxy is the client,
 * whatever it writes in X-Forwarded-For (anyone can write anything there). Behind trusted
 * proxies, each hop appends the address it saw, so the chain is read from the right, skipping
 * trusted proxies: the first address that is not one is the client. Entries left of it were
 * written by the client itself and are ignored. An entry that is not an IP address ends the walk
 * at the hop that reported it; a chain of trusted proxies only yields its left-most one.
 */
export function resolveClientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  let client = (peer === undefined ? undefined : normalizeAddress(peer)) ?? 'unknown';
  if (!trusted.trusts(client)) return client;
  for (const entry of forwardedChain(forwardedFor).reverse()) {
    const address = normalizeAddress(withoutPort(entry));
    if (address === undefined) return client;
    client = address;
    if (!trusted.trusts(address)) return address;
  }
  return client;
}

/** `resolveClientAddress` for requests (HTTP and WebSocket upgrades) under one trust setting. */
export function clientAddressResolver(
  trustedProxies: readonly string[],
): (request: IncomingMessage) => string {
  const fromPeer = peerAddressResolver(trustedProxies);
  return (request) => fromPeer(request.socket.remoteAddress, request.headers);
}

/** `resolveClientAddress` from a peer address and request headers, under one trust setting. */
export function peerAddressResolver(
  trustedProxies: readonly string[],
): (peer: string | undefined, headers: IncomingHttpHeaders) => string {
  const trusted = new TrustedProxies(trustedProxies);
  return (peer, headers) => resolveClientAddress(peer, headers['x-forwarded-for'], trusted);
}
