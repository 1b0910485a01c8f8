import type { Principal } from '../../shared/auth/index.js';
import type { Credentials } from '../execution/operation-runner.js';

/** The authenticated socket a subscription belongs to. */
export interface Subscriber {
  readonly principal: Principal;
  readonly credentials: Credentials;
  readonly connectionId: string;
}
