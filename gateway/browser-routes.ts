import { Router } from 'express';
import { cors } from '../shared/http/index.js';
import { explorerRoutes } from './explorer/explorer.js';
import { graphqlCorsPolicy } from './graphql-cors.js';

export interface BrowserRoutesOptions {
  /** GUARDYN_GATEWAY__CORS_ORIGINS: pages of these origins may call `/graphql`. */
  readonly corsOrigins: readonly string[];
  /** Serve the offline explorer on `GET /graphql` (see explorer/explorer.ts: development only). */
  readonly explorer: boolean;
}

/** What browsers need before the GraphQL handlers: CORS on `/graphql`, and the explorer. */
export function browserRoutes(options: BrowserRoutesOptions): Router {
  const router = Router();
  router.use('/graphql', cors(graphqlCorsPolicy(options.corsOrigins)));
  if (options.explorer) router.use(explorerRoutes());
  return router;
}
