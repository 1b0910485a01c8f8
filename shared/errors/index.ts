export { errorCodes, isErrorCode, type ErrorCode } from './codes.js';
export * from './errors.js';
export {
  boundMessage,
  formatClientError,
  maxClientMessageLength,
  type HiddenErrorSink,
} from './format.js';
export { errorResponseBody, type ErrorResponseBody } from './response-body.js';
