import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from '@jest/globals';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/** A headless Chromium if the machine has one (Debian: `chromium-headless-shell`); else skipped. */
const chromium = ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find(existsSync);
const describeWithChromium = chromium ? describe : describe.skip;
if (!chromium) {
  process.stdout.write('explorer-browser.test.ts: no headless Chromium here; skipped\n');
}

describeWithChromium('the explorer in a real browser', () => {
  const world = useTestGuardyn();

  it('renders GraphiQL from the gateway alone, under its Content-Security-Policy', async () => {
    // --virtual-time-budget lets the page's scripts run before the DOM is printed.
    const { stdout } = await promisify(execFile)(
      chromium ?? '',
      ['--no-sandbox', '--disable-gpu', '--virtual-time-budget=10000', '--dump-dom', world.url],
      { maxBuffer: 16 * 1024 * 1024 },
    );
    expect(stdout).toContain('graphiql-container');
    expect(stdout).toContain('graphiql-editor');
    expect(stdout).not.toContain('Loading the explorer');
  });
});
