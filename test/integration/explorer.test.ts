import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { explorerEnabled } from '../../gateway/explorer/explorer.js';
import { startTestGuardyn, type TestGuardyn } from '../support/test-guardyn.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/** How a browser asks for a page. */
const browserAccept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

/** Every `src` and `href` in a page. */
const references = (html: string) =>
  [...html.matchAll(/\b(?:src|href)="([^"]*)"/g)].map((match) => match[1] ?? '');

describe('explorerEnabled', () => {
  it('is on in development only, and follows introspection', () => {
    expect(explorerEnabled({ nodeEnv: undefined })).toBe(true);
    expect(explorerEnabled({ nodeEnv: 'development' })).toBe(true);
    expect(explorerEnabled({ nodeEnv: 'production' })).toBe(false);
    expect(explorerEnabled({ nodeEnv: 'development', introspection: false })).toBe(false);
  });
});

describe('the explorer in development', () => {
  const world = useTestGuardyn();

  it('opens on GET /graphql in a browser, every file it loads served by the gateway', async () => {
    const page = await fetch(world.url, { headers: { accept: browserAccept } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    // No CDN, no network: nothing names another host.
    expect(html).not.toMatch(/https?:|\/\//);
    const files = references(html);
    expect(files).toEqual(
      expect.arrayContaining([
        '/explorer/graphiql.min.css',
        '/explorer/react.production.min.js',
        '/explorer/react-dom.production.min.js',
        '/explorer/graphiql.min.js',
        '/explorer/start.js',
      ]),
    );
    for (const file of files) {
      const response = await fetch(new URL(file, world.url));
      expect([file, response.status]).toEqual([file, 200]);
      expect(response.headers.get('content-type')).toMatch(/^text\/(javascript|css)/);
      expect((await response.text()).length).toBeGreaterThan(0);
    }
  });

  it('leaves API clients alone: GraphQL GETs and JSON requests', async () => {
    const get = await fetch(`${world.url}?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { accept: browserAccept, 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    const json = await fetch(world.url, { headers: { accept: 'application/json' } });
    expect(json.headers.get('content-type')).not.toMatch(/^text\/html/);
    await json.arrayBuffer();
  });

  it('serves only its own files', async () => {
    const response = await fetch(new URL('/explorer/package.json', world.url));
    expect(response.status).toBe(404);
    await response.arrayBuffer();
  });
});

describe('in production', () => {
  const nodeEnv = process.env['NODE_ENV'];
  // Started by hand: NODE_ENV is production while it starts, and only then.
  let guardyn: TestGuardyn;
  beforeAll(async () => {
    process.env['NODE_ENV'] = 'production';
    try {
      guardyn = await startTestGuardyn();
    } finally {
      process.env['NODE_ENV'] = nodeEnv;
    }
  });
  afterAll(() => guardyn.dispose());

  it('serves no explorer and no landing page', async () => {
    const page = await fetch(guardyn.url, { headers: { accept: browserAccept } });
    expect(page.headers.get('content-type')).not.toMatch(/^text\/html/);
    await page.arrayBuffer();
    const asset = await fetch(new URL('/explorer/graphiql.min.js', guardyn.url));
    expect(asset.status).toBe(404);
    await asset.arrayBuffer();
  });
});
