import { createRequire } from 'node:module';
import path from 'node:path';

/** One file of the explorer, served from node_modules under `/explorer/<name>`. */
export interface ExplorerAsset {
  readonly file: string;
  readonly contentType: string;
}

const require = createRequire(import.meta.url);
/** A package's folder; its `exports` may hide the prebuilt files, its package.json never. */
const packageDir = (name: string) => path.dirname(require.resolve(`${name}/package.json`));

/**
 * GraphiQL's prebuilt browser bundle (fonts inlined in its CSS) and the React 18 UMD builds it
 * expects as globals: everything the page loads comes from the gateway, nothing from a CDN.
 * React 19 ships no UMD builds, hence 18; GraphiQL 5 needs a bundler, hence 4.
 */
export function explorerAssets(): ReadonlyMap<string, ExplorerAsset> {
  const javascript = 'text/javascript; charset=utf-8';
  return new Map([
    [
      'react.production.min.js',
      {
        file: path.join(packageDir('react'), 'umd/react.production.min.js'),
        contentType: javascript,
      },
    ],
    [
      'react-dom.production.min.js',
      {
        file: path.join(packageDir('react-dom'), 'umd/react-dom.production.min.js'),
        contentType: javascript,
      },
    ],
    [
      'graphiql.min.js',
      { file: path.join(packageDir('graphiql'), 'graphiql.min.js'), contentType: javascript },
    ],
    [
      'graphiql.min.css',
      {
        file: path.join(packageDir('graphiql'), 'graphiql.min.css'),
        contentType: 'text/css; charset=utf-8',
      },
    ],
  ]);
}
