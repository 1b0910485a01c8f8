import type { ByteRange } from './blob-store.js';

/** What a `Range` header asks of a representation of `size` bytes (RFC 9110, section 14). */
export type RangeRequest =
  /** No usable Range header (absent, not `bytes=`, malformed or several ranges): send it all. */
  | { readonly kind: 'whole' }
  | { readonly kind: 'partial'; readonly range: ByteRange }
  /** Well-formed, but no byte of it exists: 416. */
  | { readonly kind: 'unsatisfiable' };

const whole: RangeRequest = { kind: 'whole' };

/**
 * Parses a single-range `bytes=` header: `a-b`, `a-` or the suffix `-n`. Servers may ignore a
 * Range they do not support, so several ranges and malformed headers get the whole body.
 */
export function parseRange(header: string | undefined, size: number): RangeRequest {
  if (header === undefined) return whole;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return whole;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return whole;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - suffix), end: size - 1 } };
  }
  const start = Number(first);
  if (start >= size) return { kind: 'unsatisfiable' };
  const end = last === '' ? size - 1 : Number(last);
  if (end < start) return whole;
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}
