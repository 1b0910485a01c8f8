/**
 * `npm run test:unit`: the tests that need nothing running outside the jest process (no NATS, no
 * CQL node, no Guardyn started, no child process), so they pass on a bare machine in seconds.
 * Membership is by place and name; everything else runs in `npm test` (jest.config.js) only:
 * - `test/integration/`, `test/e2e/`, `test/security/`: real supergraphs on free ports;
 * - `test/k8s/`: renders and validates every manifest (slow, not about the code);
 * - `*.scylla.test.ts` and `shared/cql/{migrations,session}.test.ts`: a CQL node;
 * - `shared/bus/{bus.contract.*,nats}.test.ts`, `shared/rate-limit/rate-limiters.test.ts`: NATS
 *   (they skip it when unreachable, except under CI, where they must run);
 * - `shared/bus/nats-outage.test.ts`: a nats-server of its own (a child process);
 * - `scripts/lib/schema-check.test.ts`: git and composition in a temporary repository.
 * Tests that bind an ephemeral loopback port inside the process (a stub subgraph, a socket
 * pair) stay in: they need nothing else.
 */
import base from './jest.config.js';

export default {
  ...base,
  testPathIgnorePatterns: [
    ...base.testPathIgnorePatterns,
    '/test/(integration|e2e|security|k8s)/',
    '\\.scylla\\.test\\.ts$',
    '/shared/cql/(migrations|session)\\.test\\.ts$',
    '/shared/bus/(bus\\.contract\\.[a-z-]+|nats|nats-outage)\\.test\\.ts$',
    '/shared/rate-limit/rate-limiters\\.test\\.ts$',
    '/scripts/lib/schema-check\\.test\\.ts$',
  ],
};
