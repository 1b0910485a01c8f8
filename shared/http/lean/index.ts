/**
 * GraphQL over HTTP without Express or Apollo Server's pipeline for the ordinary request, used by
 * the gateway and every subgraph: documents validated once per text, the checks Apollo makes
 * before execution, its error formatting and statuses; Apollo Server answers everything else.
 */
export { answerWithApollo } from './apollo-answer.js';
export { apolloServerBasics, clientErrorFormatter, listenThenSwap } from './apollo-basics.js';
export { DocumentCache, operationOf, type ValidDocument } from './document-cache.js';
export { answerType, graphqlResponseType, jsonType, leanEligible } from './eligible-request.js';
export { leanGraphqlHandler, type LeanHandlerOptions, type PlainRequest } from './lean-handler.js';
export {
  answerOf,
  answerOfThrown,
  type ErrorFormatter,
  type OperationRequest,
  type OperationResponse,
} from './operation-answer.js';
export { prepareDocument, type PreparedDocument, type PreparedOperation } from './prepare.js';
export { inProcessEndpoint, serveInProcess, type InProcessAnswer } from './in-process.js';
