/**
 * What crosses the bus: JSON text. Both implementations encode and decode the same way, so the
 * in-process bus hands out copies exactly as the wire would (a `Date` arrives as a string).
 */

/** Encodes a payload as JSON; throws a `TypeError` when there is no JSON for it (`undefined`, a function). */
export function encodePayload(data: unknown): string {
  const json: string | undefined = JSON.stringify(data);
  if (json === undefined) throw new TypeError('A bus payload must be JSON-serialisable');
  return json;
}

/** Decodes a payload; throws a `SyntaxError` for text that is not JSON. */
export function decodePayload(json: string): unknown {
  return JSON.parse(json) as unknown;
}

/** Checks a deduplication id: not empty, no control characters (it travels in a header). */
export function assertMsgId(msgId: string): void {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what we reject
  if (msgId.length === 0 || /[\u0000-\u001f\u007f]/u.test(msgId)) {
    throw new TypeError(`Invalid msgId ${JSON.stringify(msgId)}: empty or with control characters`);
  }
}
