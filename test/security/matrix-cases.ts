/**
 * The cases of the authorization matrix (authorization-matrix.test.ts): for each root field and
 * entity, what a caller without a token and Mallory (signed in, aiming at the victim's data) get.
 * Root fields are declared per owning subgraph in `matrix/`, subscriptions and entities beside.
 */
import { authRootCases } from './matrix/auth-roots.js';
import { mediaRootCases } from './matrix/media-roots.js';
import { messagingRootCases } from './matrix/messaging-roots.js';
import { notificationRootCases } from './matrix/notification-roots.js';
import { presenceRootCases } from './matrix/presence-roots.js';
import { type RootCase } from './matrix/expectations.js';

export { firstCode, text, type Response, type RootCase } from './matrix/expectations.js';
export { subscriptionCases } from './matrix/subscription-cases.js';
export { checkForeignEntity, entityCases } from './matrix/entity-cases.js';

export const rootCases: Record<string, RootCase> = {
  ...authRootCases,
  ...mediaRootCases,
  ...messagingRootCases,
  ...notificationRootCases,
  ...presenceRootCases,
};
