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

export function optionalText(row: Row, column: string): string | null {
  const value = cell(row, column);
  if (value === null || value === undefined) return null;
  if (typeof value !== 'string') throw mismatch(column, 'text', value);
  return value;
}

export function text(row: Row, column: string): string {
  const value = optionalText(row, column);
  if (value === null) throw mismatch(column, 'text', value);
  return value;
}

export function optionalInt(row: Row, column: string): number | null {
  const value = cell(row, column);
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value !== 'number') throw mismatch(column, 'a number', value);
  return value;
}

export function int(row: Row, column: string): number {
  const value = optionalInt(row, column);
  if (value === null) throw mismatch(column, 'a number', value);
  return value;
}

export function optionalBytes(row: Row, column: string): Uint8Array | null {
  const value = cell(row, column);
  if (value === null || value === undefined) return null;
  if (!Buffer.isBuffer(value)) throw mismatch(column, 'blob', value);
  return new Uint8Array(value);
}

export function bytes(row: Row, column: string): Uint8Array {
  const value = optionalBytes(row, column);
  if (value === null) throw mismatch(column, 'blob', value);
  return value;
}

export function optionalDate(row: Row, column: string): Date | null {
  const value = cell(row, column);
  if (value === null || value === undefined) return null;
  if (!(value instanceof Date)) throw mismatch(column, 'timestamp', value);
  return value;
}

export function date(row: Row, column: string): Date {
  const value = optionalDate(row, column);
  if (value === null) throw mismatch(column, 'timestamp', value);
  return value;
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
