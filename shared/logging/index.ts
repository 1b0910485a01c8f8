import { pino, type Logger, type LevelWithSilent } from 'pino';
import { traceLogFields } from '../tracing/log-fields.js';

export type { Logger };
export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number] & LevelWithSilent;

/**
 * The one logger factory: JSON lines on stdout (pino). Secrets never reach it: the redaction
 * list below catches the usual suspects in case a caller logs a whole object.
 */
export function createLogger(level: LogLevel, service: string): Logger {
  return pino({
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
  });
}
