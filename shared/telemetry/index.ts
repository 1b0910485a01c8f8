export { createServiceMetrics, type ServiceMetrics } from './metrics.js';
