export { Base64Scalar, DateTimeScalar } from './scalars.js';
export { loadTypeDefs } from './load-schema.js';
export { notImplementedResolvers } from './not-implemented.js';
