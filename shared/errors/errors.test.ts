import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { GraphQLError } from 'graphql';
import {
  BadUserInputError,
  errorCodes,
  errorResponseBody,
  formatClientError,
  InternalError,
  maxClientMessageLength,
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

  it('shows a store that did not answer as SERVICE_UNAVAILABLE, without its details', () => {
    const hidden: unknown[] = [];
    const unanswered = Object.assign(new Error('no CQL node answered (10.0.0.7:9042: refused)'), {
      transient: true,
    });
    expect(format(new Error('messaging: store failed', { cause: unanswered }), hidden)).toEqual({
      message: 'A store did not answer; retry shortly',
      path: ['field'],
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    expect(hidden).toHaveLength(1);
    const refused = Object.assign(new Error('unconfigured table'), { transient: false });
    expect(format(refused).extensions).toEqual({ code: 'INTERNAL' });
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

describe('client messages', () => {
  it('are cut to a bounded length with an ellipsis (an echoed 10 MB variable)', () => {
    const long = `Variable "$id" got invalid value "${'a'.repeat(10_000)}"`;
    const formatted = formatClientError(
      { message: long, extensions: { code: 'BAD_USER_INPUT' } },
      new GraphQLError(long),
      () => undefined,
    );
    expect(formatted.message).toHaveLength(maxClientMessageLength);
    expect(formatted.message.endsWith('…')).toBe(true);
    expect(errorResponseBody(new BadUserInputError(long)).errors[0]?.message).toBe(
      formatted.message,
    );
  });

  it('hide the text of a JavaScript error behind a request error (a stack overflow)', () => {
    const hidden: unknown[] = [];
    const overflow = new RangeError('Maximum call stack size exceeded');
    const formatted = formatClientError(
      { message: overflow.message, extensions: { code: 'GRAPHQL_PARSE_FAILED' } },
      new GraphQLError(overflow.message, {
        originalError: new GraphQLError(overflow.message, { originalError: overflow }),
      }),
      (error) => hidden.push(error),
    );
    expect(formatted).toEqual({
      message: 'The request is malformed or nested too deeply',
      extensions: { code: 'BAD_USER_INPUT' },
    });
    expect(hidden).toHaveLength(1);
  });

  it('never carry the message or details of an internal error in a middleware body', () => {
    expect(errorResponseBody(new InternalError('disk /work/data full'))).toEqual({
      errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL' } }],
    });
  });
});

describe('the error registry', () => {
  it('documents every code in docs/api.md', () => {
    const readme = readFileSync(new URL('../../docs/api.md', import.meta.url), 'utf8');
    for (const code of Object.keys(errorCodes)) expect(readme).toContain(`\`${code}\``);
  });
});
