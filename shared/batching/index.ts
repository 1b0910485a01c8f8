export { Batcher, type BatchLoad } from './batcher.js';
export { batcherPerRequest, perRequest } from './per-request.js';
