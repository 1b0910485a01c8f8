import { Router, type Request } from 'express';
import { explorerAssets } from './assets.js';
import {
  explorerAssetPath,
  explorerContentSecurityPolicy,
  explorerPage,
  startScript,
} from './page.js';

/**
 * Whether the gateway serves the explorer: in development only, like introspection (which it
 * needs). The hook for GUARDYN_GATEWAY__INTROSPECTION: pass its value as `introspection`.
 */
export function explorerEnabled(options: {
  readonly nodeEnv: string | undefined;
  readonly introspection?: boolean;
}): boolean {
  return options.nodeEnv !== 'production' && (options.introspection ?? true);
}

/** A browser opening the URL, not a GraphQL GET (which carries `query`) nor an API client. */
function wantsPage(request: Request): boolean {
  return (
    request.query['query'] === undefined &&
    request.accepts(['application/graphql-response+json', 'application/json', 'text/html']) ===
      'text/html'
  );
}

/**
 * The offline GraphQL explorer: `GET /graphql` from a browser answers GraphiQL's page, and its
 * files are served from node_modules under `/explorer/`. Nothing comes from a CDN.
 */
export function explorerRoutes(): Router {
  const router = Router();
  const assets = new Map(explorerAssets());
  const start = startScript();
  const page = explorerPage();

  // Not `router.get('/graphql')`: a route would make Express answer OPTIONS /graphql itself
  // (200 with Allow), where Apollo's refusal belongs.
  router.use((request, response, next) => {
    if (request.method !== 'GET' || request.path !== '/graphql' || !wantsPage(request)) {
      next();
      return;
    }
    response
      .set({
        'content-security-policy': explorerContentSecurityPolicy,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
      })
      .type('html')
      .send(page);
  });
  router.get(`${explorerAssetPath}/start.js`, (_request, response) => {
    response.set('cache-control', 'no-cache').type('text/javascript; charset=utf-8').send(start);
  });
  router.get(`${explorerAssetPath}/:name`, (request, response, next) => {
    // Only the files named above: the name is a key, never a path.
    const asset = assets.get(request.params.name);
    if (!asset) {
      next();
      return;
    }
    response.sendFile(asset.file, {
      headers: { 'content-type': asset.contentType, 'x-content-type-options': 'nosniff' },
      maxAge: '1h',
    });
  });
  return router;
}
