import { describe, expect, it } from '@jest/globals';
import { parseOrigin, parseOrigins } from './cors-origins.js';

describe('parseOrigin', () => {
  it('normalizes an origin as browsers send it', () => {
    expect(parseOrigin('https://App.Example.com')).toBe('https://app.example.com');
    expect(parseOrigin('https://app.example.com:443/')).toBe('https://app.example.com');
    expect(parseOrigin(' http://localhost:5173 ')).toBe('http://localhost:5173');
    expect(parseOrigin('http://[::1]:8080')).toBe('http://[::1]:8080');
  });

  it.each([
    ['https://*.example.com', 'wildcards'],
    ['*', 'wildcards'],
    ['null', 'not an origin'],
    ['app.example.com', 'not an origin'],
    ['ftp://app.example.com', 'must use http or https'],
    ['https://app.example.com/path', 'no path'],
    ['https://app.example.com?x=1', 'no path'],
    ['https://user@app.example.com', 'no path'],
  ])('refuses %j', (value, problem) => {
    expect(() => parseOrigin(value)).toThrow(problem);
  });
});

describe('parseOrigins', () => {
  it('reads a comma-separated list without duplicates', () => {
    expect(parseOrigins('https://a.example, https://A.example,http://localhost:3000')).toEqual([
      'https://a.example',
      'http://localhost:3000',
    ]);
  });
});
