export { Batcher, type BatchLoad } from './batcher.js';
export { perRequest } from './per-request.js';
