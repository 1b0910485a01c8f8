export { backoffMs, fullJitter, type Backoff } from './backoff.js';
