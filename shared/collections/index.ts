export { ExpiringSet } from './expiring-set.js';
