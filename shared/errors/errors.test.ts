import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import {
  errorCodes,
  formatClientError,
  InternalError,
  MismatchedDevicesError,
  RateLimitedError,
  StaleEpochError,
} from './index.js';

const format = (error: unknown, hidden: unknown[] = []) =>
  formatClientError(
    { message: error instanceof Error ? error.message : 'x', path: ['field'] },
    new GraphQLError('wrapped', { originalError: error instanceof Error ? error : undefined }),
    (e) => hidden.push(e),
  );

describe('formatClientError', () => {
  it('maps typed errors to their code and carries their data', () => {
    expect(format(new RateLimitedError(2.2)).extensions).toEqual({
      code: 'RATE_LIMITED',
      retryAfterSeconds: 3,
    });
    expect(format(new MismatchedDevicesError([2], [3])).extensions).toEqual({
      code: 'MISMATCHED_DEVICES',
      missingDevices: [2],
      extraDevices: [3],
      missingOwnDevices: [],
      extraOwnDevices: [],
    });
    expect(format(new StaleEpochError(7)).extensions).toEqual({
      code: 'STALE_EPOCH',
      currentEpoch: 7,
    });
  });

  it('hides internal errors: no message, no stack, and the sink sees the cause', () => {
    const hidden: unknown[] = [];
    const secret = new Error('connection to 10.0.0.7 refused: password=hunter2');
    const formatted = format(secret, hidden);
    expect(formatted).toEqual({
      message: 'Internal server error',
      path: ['field'],
      extensions: { code: 'INTERNAL' },
    });
    expect(hidden).toHaveLength(1);
    expect(format(new InternalError('disk full')).message).toBe('Internal server error');
  });

  it('turns request errors that never reached a resolver into BAD_USER_INPUT', () => {
    const formatted = formatClientError(
      { message: 'Cannot query field "nope"', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
      new GraphQLError('Cannot query field "nope"'),
      () => undefined,
    );
    expect(formatted.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      reason: 'GRAPHQL_VALIDATION_FAILED',
    });
  });

  it('keeps the code of an error a subgraph already formatted, without stack traces', () => {
    const formatted = formatClientError(
      { message: 'username is taken', extensions: { code: 'CONFLICT', stacktrace: ['at x'] } },
      new GraphQLError('username is taken'),
      () => undefined,
    );
    expect(formatted.extensions).toEqual({ code: 'CONFLICT' });
  });
});

describe('the error registry', () => {
  it('documents every code in the README', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const code of Object.keys(errorCodes)) expect(readme).toContain(`\`${code}\``);
  });
});
