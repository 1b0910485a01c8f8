/**
 * Guards for untrusted bus payloads, and `objectOf` to combine them into a parser. Hand-written:
 * eight flat payloads do not earn a schema library (zod or valibot would add weight to every
 * service for what fits in this file).
 */

/** Tells whether an untrusted value has the type `T`. */
export type Guard<T> = (value: unknown) => value is T;

/** A non-empty string (ids travel as subject tokens, so an empty one is never valid). */
export const isId: Guard<string> = (value): value is string =>
  typeof value === 'string' && value.length > 0;

/** A device number as auth hands them out: a positive integer. */
export const isDeviceId: Guard<number> = (value): value is number =>
  typeof value === 'number' && Number.isInteger(value) && value > 0;

/** An ISO-8601 time (anything `Date.parse` reads). */
export const isTime: Guard<string> = (value): value is string =>
  typeof value === 'string' && !Number.isNaN(Date.parse(value));

export const isBoolean: Guard<boolean> = (value): value is boolean => typeof value === 'boolean';

/** A list of strings. */
export const isStringList: Guard<readonly string[]> = (value): value is readonly string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string');

/** A list of device numbers. */
export const isDeviceIdList: Guard<readonly number[]> = (value): value is readonly number[] =>
  Array.isArray(value) && value.every(isDeviceId);

/** One of the listed literals. */
export function oneOf<T extends string>(...allowed: readonly T[]): Guard<T> {
  return (value): value is T => (allowed as readonly unknown[]).includes(value);
}

/** The field types a set of guards stands for. */
export type Checked<G> = { readonly [K in keyof G]: G[K] extends Guard<infer T> ? T : never };

/**
 * A parser for a JSON object with exactly these fields checked: it returns a fresh object holding
 * only them, or null when the value is not an object or any field fails its guard.
 */
export function objectOf<G extends Record<string, Guard<unknown>>>(
  guards: G,
): (data: unknown) => Checked<G> | null {
  const entries = Object.entries(guards);
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return null;
    const fields = data as Record<string, unknown>;
    const checked: Record<string, unknown> = {};
    for (const [name, guard] of entries) {
      const value = fields[name];
      if (!guard(value)) return null;
      checked[name] = value;
    }
    return checked as Checked<G>;
  };
}
