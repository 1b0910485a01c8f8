import { request as httpRequest } from 'node:http';
import { describe, expect, it } from '@jest/globals';
import express from 'express';
import { PayloadTooLargeError, UnauthenticatedError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { classifyHttpError, graphqlErrorHandler } from './error-handler.js';
import { closeServer, listen } from './listen.js';

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

describe('graphqlErrorHandler', () => {
  it('logs an error that comes after the answer started, and drops the unfinished answer', async () => {
    const logged: { level: number; msg: string }[] = [];
    const logger = createLogger('warn', 'test', {
      destination: { write: (line: string) => void logged.push(JSON.parse(line)) },
    });
    const app = express();
    app.get('/late', (_request, response, next) => {
      response.status(200).write('partial');
      next(new Error('failed while answering'));
    });
    app.use(graphqlErrorHandler(logger));
    const { server, origin } = await listen(app, '127.0.0.1', 0);
    try {
      // The client sees the answer cut short, not a second answer or a hang.
      const outcome = await new Promise<string>((resolve) => {
        const request = httpRequest(`${origin}/late`, (response) => {
          response.on('error', () => resolve('cut short'));
          response.on('aborted', () => resolve('cut short'));
          response.on('end', () => resolve('complete'));
          response.resume();
        });
        request.on('error', () => resolve('cut short'));
        request.end();
      });
      expect(outcome).toBe('cut short');
      expect(logged).toEqual([
        expect.objectContaining({ level: 40, msg: 'request failed after its answer started' }),
      ]);
    } finally {
      await closeServer(server);
    }
  });
});
