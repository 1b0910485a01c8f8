/** OpenTelemetry traces (docs/operations.md): explicit spans, exported only when an endpoint is set. */
export {
  startTracing,
  traceExportUrl,
  traceServiceName,
  type Tracing,
  type TracingOptions,
} from './sdk.js';
export { tracingActive, withinTrace } from './tracer.js';
export {
  activeOperationSpan,
  graphqlSpanPlugin,
  nameOperationSpan,
  recordOperationErrors,
  traceGraphqlRequests,
  withInProcessRequestSpan,
  withOperationSpan,
  withRequestSpan,
} from './graphql-spans.js';
export { fetchWithSpan } from './subgraph-fetch.js';
export { traceStatement, traceStatementSync, type DbSystem } from './store-spans.js';
export { statementName, type StatementName } from './statement-name.js';
export { traceSqliteStatements } from './sqlite-statements.js';
export { subjectFamily, traceBus } from './traced-bus.js';
export { traceLogFields } from './log-fields.js';
