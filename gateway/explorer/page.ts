/** Where the explorer's files are served; the page itself is `GET /graphql`. */
export const explorerAssetPath = '/explorer';

/** What the editor shows first: how to authenticate, and what it cannot do. */
const defaultQuery = `# Guardyn's GraphQL explorer (development only; off when NODE_ENV=production).
#
# Most fields need a signed-in caller: run \`login\` (or \`register\`), then open the
# Headers tab below and add:  { "authorization": "Bearer <accessToken>" }
#
# Subscriptions travel over graphql-ws on this same URL, not through this page.

query Me {
  me {
    id
    username
  }
}
`;

/**
 * Starts GraphiQL against the page's own URL (this gateway's `/graphql`). A separate script, not
 * inline, so the page's Content-Security-Policy can forbid inline scripts.
 */
export function startScript(): string {
  return `'use strict';
(function () {
  var fetcher = GraphiQL.createFetcher({ url: window.location.origin + window.location.pathname });
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: ${JSON.stringify(defaultQuery)},
      defaultEditorToolsVisibility: true,
    }),
  );
})();
`;
}

/** The page: only the gateway's own files, in the order the UMD globals need them. */
export function explorerPage(): string {
  const asset = (name: string) => `${explorerAssetPath}/${name}`;
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>Guardyn GraphQL explorer</title>
    <link rel="stylesheet" href="${asset('graphiql.min.css')}" />
    <style>
      body { margin: 0; height: 100vh; }
      #graphiql { height: 100vh; }
    </style>
  </head>
  <body>
    <div id="graphiql">Loading the explorer…</div>
    <script src="${asset('react.production.min.js')}"></script>
    <script src="${asset('react-dom.production.min.js')}"></script>
    <script src="${asset('graphiql.min.js')}"></script>
    <script src="${asset('start.js')}"></script>
  </body>
</html>
`;
}

/**
 * Keeps the page offline and to itself: scripts, styles and requests to this origin only (fonts
 * and icons are inlined as data: URLs in GraphiQL's CSS; its components set inline styles).
 */
export const explorerContentSecurityPolicy = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "font-src 'self' data:",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
