export {
  createLogger,
  logLevels,
  type Logger,
  type LoggerOutput,
  type LogLevel,
} from './create-logger.js';
export { logFormats, resolveLogFormat, type LogFormat } from './log-format.js';
