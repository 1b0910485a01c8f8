export { Base64Scalar, DateTimeScalar } from './scalars.js';
export { loadTypeDefs } from './load-schema.js';
export { noSubscriptionsOverHttp } from './subscriptions-over-http.js';
export {
  federationPublicFields,
  guardableFields,
  requireAuthentication,
  type PublicField,
} from './require-authentication.js';
export { introspectionRules, noIntrospection } from './introspection.js';
