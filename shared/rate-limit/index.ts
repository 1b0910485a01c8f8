export { SlidingWindowLimiter, type RateLimit } from './sliding-window.js';
