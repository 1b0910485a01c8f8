import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { build as prettyStream } from 'pino-pretty';
import { traceLogFields } from '../tracing/log-fields.js';

export type { Logger };
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number] & LevelWithSilent;

export interface LoggerOutput {
  /** `json` (the default): one JSON object a line; `pretty`: pino-pretty's readable lines. */
  readonly format?: 'json' | 'pretty';
  /** Where lines go; stdout by default (tests capture them). */
  readonly destination?: DestinationStream;
}

/**
 * The one logger factory (pino). `service` is bound once here: children add other keys
 * (`subgraph`, `component`), never `service` again, since pino repeats a key rather than
 * replacing it and strict JSON parsers refuse duplicates. Secrets never reach the output: the
 * redaction list below catches the usual suspects in case a caller logs a whole object.
 */
export function createLogger(level: LogLevel, service: string, output: LoggerOutput = {}): Logger {
  const options = {
    level,
    base: { service },
    // trace_id and span_id of the active span, to find a line's trace (nothing when untraced).
    mixin: traceLogFields,
    redact: {
      paths: [
        'password',
        '*.password',
        'refreshToken',
        '*.refreshToken',
        'authorization',
        '*.authorization',
      ],
      censor: '[redacted]',
    },
  };
  if (output.format === 'pretty') {
    // In this thread, synchronously: a worker transport could lose the last lines on exit.
    const pretty = prettyStream({
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname',
      ...(output.destination ? { destination: output.destination } : {}),
    });
    return pino(options, pretty);
  }
  return output.destination ? pino(options, output.destination) : pino(options);
}
