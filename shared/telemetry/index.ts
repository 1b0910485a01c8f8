export { instrumentBus } from './bus-metrics.js';
export { type GraphqlOperationMetrics, type OperationTypeLabel } from './graphql-metrics.js';
export { sampleMailboxPending, mailboxSampleIntervalMs } from './mailbox-metrics.js';
export {
  createServiceMetrics,
  type MetricsExposition,
  type ServiceMetrics,
  type ServiceMetricsOptions,
} from './metrics.js';
export {
  anonymousOperation,
  defaultOperationsDir,
  loadKnownOperationNames,
  operationLabel,
  otherOperation,
} from './operation-names.js';
export { recordWakeupOutboxSize } from './outbox-metrics.js';
export { processRegistry } from './process-metrics.js';
export { countPush } from './push-metrics.js';
export { timedStore } from './store-metrics.js';
export { subjectFamily } from './subject-family.js';
export {
  subscriptionMetrics,
  untilEnded,
  type SubscriptionMetrics,
} from './subscription-metrics.js';
