export { errorCodes, isErrorCode, type ErrorCode } from './codes.js';
export * from './errors.js';
export { formatClientError, type HiddenErrorSink } from './format.js';
