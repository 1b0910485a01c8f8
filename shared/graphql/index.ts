export { Base64Scalar, DateTimeScalar } from './scalars.js';
export { loadTypeDefs } from './load-schema.js';
