import { describe, expect, it } from '@jest/globals';
import { createLogger } from '../../shared/logging/index.js';
import { useTestGuardyn } from '../support/use-test-guardyn.js';

/** Every line the embedded Guardyn logs while it starts, as written. */
const lines: string[] = [];
useTestGuardyn({
  logger: createLogger('info', 'embedded', {
    destination: { write: (line: string) => void lines.push(line) },
  }),
});

describe('log lines', () => {
  it('carry `service` once, the gateway’s included (strict JSON parsers refuse duplicates)', () => {
    const gatewayLine = lines.find((line) => line.includes('"gateway listening"'));
    expect(gatewayLine).toBeDefined();
    expect(JSON.parse(gatewayLine ?? '')).toMatchObject({
      service: 'embedded',
      component: 'gateway',
    });
    for (const line of lines) expect(line.match(/"service":/g)).toHaveLength(1);
  });
});
