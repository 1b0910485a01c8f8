import type { Row } from './session.js';

/**
 * Typed reads of driver rows: a row's cells arrive untyped, so each getter checks what it gets and
 * throws on a value of the wrong type (a schema mismatch) rather than passing it on.
 */
function cell(row: Row, column: string): unknown {
  return row.get(column) as unknown;
}

function mismatch(column: string, expected: string, value: unknown): Error {
  return new Error(`CQL column ${column}: expected ${expected}, got ${typeof value}`);
}

/**
 * A nullable cell: null when empty, else what `accept` makes of the value; `accept` returns
 * undefined for a value of the wrong type, which throws.
 */
function optional<T>(
  row: Row,
  column: string,
  expected: string,
  accept: (value: unknown) => T | undefined,
): T | null {
  const value = cell(row, column);
  if (value === null || value === undefined) return null;
  const accepted = accept(value);
  if (accepted === undefined) throw mismatch(column, expected, value);
  return accepted;
}

/** A cell that must not be empty. */
function required<T>(value: T | null, column: string, expected: string): T {
  if (value === null) throw mismatch(column, expected, value);
  return value;
}

export function optionalText(row: Row, column: string): string | null {
  return optional(row, column, 'text', (value) => (typeof value === 'string' ? value : undefined));
}

export function text(row: Row, column: string): string {
  return required(optionalText(row, column), column, 'text');
}

export function optionalInt(row: Row, column: string): number | null {
  return optional(row, column, 'a number', (value) => {
    if (typeof value === 'bigint') return Number(value);
    return typeof value === 'number' ? value : undefined;
  });
}

export function int(row: Row, column: string): number {
  return required(optionalInt(row, column), column, 'a number');
}

export function optionalBytes(row: Row, column: string): Uint8Array | null {
  return optional(row, column, 'blob', (value) =>
    Buffer.isBuffer(value) ? new Uint8Array(value) : undefined,
  );
}

export function bytes(row: Row, column: string): Uint8Array {
  return required(optionalBytes(row, column), column, 'blob');
}

export function optionalDate(row: Row, column: string): Date | null {
  return optional(row, column, 'timestamp', (value) => (value instanceof Date ? value : undefined));
}

export function date(row: Row, column: string): Date {
  return required(optionalDate(row, column), column, 'timestamp');
}

export function bool(row: Row, column: string): boolean {
  const value = cell(row, column);
  if (value === null || value === undefined) return false;
  if (typeof value !== 'boolean') throw mismatch(column, 'boolean', value);
  return value;
}

export function textSet(row: Row, column: string): string[] {
  const value = cell(row, column);
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string'))
    throw mismatch(column, 'set<text>', value);
  return value as string[];
}

/** A bigint cell (e.g. `WRITETIME(column)`, in microseconds) kept exact as a bigint. */
export function bigint(row: Row, column: string): bigint {
  const value = cell(row, column);
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
  throw mismatch(column, 'bigint', value);
}

/** A text cell that must be one of `allowed` (a stored enum); anything else is a schema mismatch. */
export function oneOf<Value extends string>(
  row: Row,
  column: string,
  allowed: readonly Value[],
): Value {
  const value = text(row, column);
  if (!(allowed as readonly string[]).includes(value))
    throw new Error(`CQL column ${column}: unknown value "${value}"`);
  return value as Value;
}
