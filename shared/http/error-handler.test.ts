import { describe, expect, it } from '@jest/globals';
import { PayloadTooLargeError, UnauthenticatedError } from '../errors/index.js';
import { classifyHttpError } from './error-handler.js';

const codeAndStatus = (error: unknown) => {
  const { status, refusal } = classifyHttpError(error);
  return { status, code: refusal.code, message: refusal.message };
};

describe('classifyHttpError', () => {
  it('maps body-parser refusals to a registry code and their HTTP status', () => {
    expect(codeAndStatus({ type: 'entity.too.large', status: 413, limit: 1024 })).toEqual({
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      message: 'the request body is larger than 1024 bytes',
    });
    expect(codeAndStatus({ type: 'entity.parse.failed', status: 400 })).toMatchObject({
      status: 400,
      code: 'BAD_USER_INPUT',
    });
    expect(codeAndStatus({ type: 'charset.unsupported', status: 415 }).status).toBe(415);
    // A zlib error on a body that claims to be gzip: a client error with only a status.
    expect(
      codeAndStatus(Object.assign(new Error('incorrect header check'), { status: 400 })),
    ).toEqual({
      status: 400,
      code: 'BAD_USER_INPUT',
      message: 'the request body could not be read',
    });
  });

  it('keeps Guardyn refusals and hides anything else as INTERNAL (500)', () => {
    expect(codeAndStatus(new UnauthenticatedError()).status).toBe(401);
    expect(codeAndStatus(new PayloadTooLargeError('too big')).status).toBe(413);
    expect(codeAndStatus(new Error('ENOENT /work/data/x'))).toEqual({
      status: 500,
      code: 'INTERNAL',
      message: 'Internal server error',
    });
  });
});
