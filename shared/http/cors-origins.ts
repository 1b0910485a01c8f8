/**
 * One allowed origin as a browser sends it in `Origin`: `scheme://host[:port]`, http or https,
 * lower-case host, default port left out (`https://App.example:443` becomes
 * `https://app.example`). Anything else (a path, a query, credentials, a wildcard, `null`) is
 * refused with the reason: the allow-list is compared exactly, so a value that could never match
 * is a mistake to report at start, not a silent no-op.
 */
export function parseOrigin(text: string): string {
  const value = text.trim();
  if (value.includes('*')) {
    throw new Error(`"${value}": wildcards are not allowed; list each origin`);
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`"${value}" is not an origin (scheme://host[:port])`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`"${value}" must use http or https`);
  }
  const onlyOrigin =
    url.username === '' &&
    url.password === '' &&
    url.pathname === '/' &&
    url.search === '' &&
    url.hash === '' &&
    !/^[a-z]+:\/\/[^/]*\/./i.test(value);
  if (!onlyOrigin || value.endsWith('?') || value.endsWith('#')) {
    throw new Error(
      `"${value}" is not an origin: no path, query or credentials (scheme://host[:port])`,
    );
  }
  return url.origin;
}

/** A comma-separated allow-list (`GUARDYN_GATEWAY__CORS_ORIGINS`), normalized, duplicates removed. */
export function parseOrigins(text: string): string[] {
  return [...new Set(text.split(',').map(parseOrigin))];
}
