import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger, resolveLogFormat } from './index.js';

/** A logger whose output lines are kept in `lines` (a real stream: pino-pretty pipes into it). */
function capture(format: 'json' | 'pretty') {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  return { logger: createLogger('info', 'gateway', { format, destination }), lines };
}

describe('resolveLogFormat', () => {
  it('reads `auto` as pretty on a terminal and JSON elsewhere', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('createLogger', () => {
  it('writes one JSON object a line, with `service` once, also from children', () => {
    const { logger, lines } = capture('json');
    logger.child({ component: 'subscriptions' }).info({ connections: 2 }, 'open');
    expect(lines).toHaveLength(1);
    const line = lines[0] ?? '';
    expect(line.match(/"service":/g)).toHaveLength(1);
    expect(JSON.parse(line)).toMatchObject({
      service: 'gateway',
      component: 'subscriptions',
      connections: 2,
      msg: 'open',
    });
  });

  it('redacts passwords, refresh tokens and authorization headers', () => {
    const { logger, lines } = capture('json');
    logger.info({ password: 'p', request: { authorization: 'Bearer t' } }, 'x');
    expect(lines[0]).not.toContain('Bearer t');
    expect(JSON.parse(lines[0] ?? '')).toMatchObject({
      password: '[redacted]',
      request: { authorization: '[redacted]' },
    });
  });

  it('writes readable lines with pino-pretty', () => {
    const { logger, lines } = capture('pretty');
    logger.info({ url: 'http://127.0.0.1:4000/graphql' }, 'gateway listening');
    const text = lines.join('\n');
    expect(text).toContain('INFO');
    expect(text).toContain('gateway listening');
    expect(text).toContain('http://127.0.0.1:4000/graphql');
    expect(() => JSON.parse(lines[0] ?? '')).toThrow();
  });
});
