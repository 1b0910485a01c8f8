/**
 * kubectl is not at hand: parse every manifest, then evaluate the NetworkPolicies against the
 * workloads' labels and ports, and compare who may reach whom with what the code calls.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { parseAllDocuments } from 'yaml';
import { loadConfig, serviceNames, subgraphNames } from '../../shared/config/index.js';
import { projectRoot } from '../../shared/supergraph/index.js';

type Labels = Readonly<Record<string, string>>;

interface LabelSelector {
  readonly matchLabels?: Labels;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: unknown;
}

interface Manifest {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly spec?: {
    // Deployment, StatefulSet
    readonly template?: {
      readonly metadata: { readonly labels: Labels; readonly annotations?: Labels };
      readonly spec: {
        readonly containers: readonly {
          readonly ports?: readonly { readonly containerPort: number }[];
        }[];
      };
    };
    // NetworkPolicy
    readonly podSelector?: LabelSelector;
    readonly policyTypes?: readonly string[];
    readonly ingress?: readonly {
      readonly from?: readonly PolicyPeer[];
      readonly ports?: readonly { readonly port: number; readonly protocol?: string }[];
    }[];
  };
}

interface Workload {
  readonly name: string;
  readonly labels: Labels;
  readonly annotations: Labels;
  readonly ports: readonly number[];
}

const k8sDir = path.join(projectRoot, 'k8s');

async function yamlFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((entry) => entry.isFile() && /\.ya?ml$/.test(entry.name))
    .map((entry) => path.join(entry.parentPath, entry.name));
}

async function parseFile(file: string): Promise<unknown[]> {
  const documents = parseAllDocuments(await readFile(file, 'utf8'));
  const list = Array.isArray(documents) ? documents : [documents];
  const errors = list.flatMap((document) => document.errors.map((error) => error.message));
  if (errors.length > 0) throw new Error(`${file}: ${errors.join('; ')}`);
  return list.map((document) => document.toJSON() as unknown).filter((value) => value !== null);
}

function matches(selector: LabelSelector, labels: Labels): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(
    ([key, value]) => labels[key] === value,
  );
  const byExpressions = (selector.matchExpressions ?? []).every((expression) => {
    const value = labels[expression.key];
    switch (expression.operator) {
      case 'In':
        return value !== undefined && (expression.values ?? []).includes(value);
      case 'NotIn':
        return value === undefined || !(expression.values ?? []).includes(value);
      case 'Exists':
        return value !== undefined;
      case 'DoesNotExist':
        return value === undefined;
    }
  });
  return byLabels && byExpressions;
}

let workloads: Workload[];
let policies: Manifest[];

beforeAll(async () => {
  // The base is everything; overlays only patch sizes, images and the ConfigMap.
  const files = await yamlFiles(path.join(k8sDir, 'base'));
  const manifests = (await Promise.all(files.map(parseFile))).flat() as Manifest[];
  workloads = manifests
    .filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'StatefulSet')
    .map((manifest) => {
      const template = manifest.spec?.template;
      if (!template) throw new Error(`${manifest.metadata.name} has no pod template`);
      return {
        name: manifest.metadata.name,
        labels: template.metadata.labels,
        annotations: template.metadata.annotations ?? {},
        ports: template.spec.containers.flatMap((container) =>
          (container.ports ?? []).map((port) => port.containerPort),
        ),
      };
    });
  policies = manifests.filter((manifest) => manifest.kind === 'NetworkPolicy');
});

function workload(name: string): Workload {
  const found = workloads.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no workload ${name}`);
  return found;
}

/** Who may open `port` on `target`: workloads of the namespace, and peers outside it. */
function allowedPeers(target: Workload, port: number): { pods: string[]; outside: string[] } {
  const pods = new Set<string>();
  const outside = new Set<string>();
  for (const policy of policies) {
    if (!matches(policy.spec?.podSelector ?? {}, target.labels)) continue;
    for (const rule of policy.spec?.ingress ?? []) {
      if (rule.ports && !rule.ports.some((allowed) => allowed.port === port)) continue;
      for (const peer of rule.from ?? []) {
        if (peer.namespaceSelector || peer.ipBlock) {
          outside.add(JSON.stringify(peer.namespaceSelector?.matchLabels ?? peer.ipBlock));
        } else {
          for (const pod of workloads) {
            if (matches(peer.podSelector ?? {}, pod.labels)) pods.add(pod.name);
          }
        }
      }
    }
  }
  return { pods: [...pods].sort(), outside: [...outside].sort() };
}

const ingressController = JSON.stringify({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
const monitoring = JSON.stringify({ 'kubernetes.io/metadata.name': 'monitoring' });
const subgraphPorts = {
  auth: 4001,
  messaging: 4002,
  presence: 4003,
  media: 4004,
  notification: 4005,
};

describe('k8s manifests', () => {
  it('every YAML file parses, and every kustomization lists files that exist', async () => {
    const files = await yamlFiles(k8sDir);
    expect(files.length).toBeGreaterThan(10);
    for (const file of files) {
      const documents = await parseFile(file);
      if (path.basename(file) !== 'kustomization.yaml') continue;
      const { resources = [] } = documents[0] as { resources?: string[] };
      for (const resource of resources) {
        // A file or an overlay's base directory.
        await expect(access(path.resolve(path.dirname(file), resource))).resolves.toBeUndefined();
      }
    }
    const base = (await parseFile(path.join(k8sDir, 'base', 'kustomization.yaml')))[0];
    expect((base as { resources: string[] }).resources).toContain('network-policy.yaml');
  });

  it('the shared configuration (base and dev overlay) is valid for every service', async () => {
    const literals = async (file: string) => {
      const [kustomization] = await parseFile(path.join(k8sDir, file));
      const generators = (kustomization as { configMapGenerator?: { literals: string[] }[] })
        .configMapGenerator;
      return Object.fromEntries(
        (generators?.[0]?.literals ?? []).map((literal) => literal.split(/=(.*)/s, 2)),
      ) as Record<string, string>;
    };
    const base = await literals('base/kustomization.yaml');
    const dev = { ...base, ...(await literals('overlays/dev/kustomization.yaml')) };
    for (const env of [base, dev]) {
      expect(env['GUARDYN_HTTP__TRUSTED_PROXIES']).toBeDefined();
      for (const service of serviceNames) {
        expect(() => loadConfig({ ...env, GUARDYN_SERVICE_NAME: service })).not.toThrow();
      }
    }
  });
});

describe('k8s network policies', () => {
  it('deny all ingress in the namespace unless a policy admits it', () => {
    const denyAll = policies.filter(
      (policy) =>
        Object.keys(policy.spec?.podSelector ?? {}).length === 0 &&
        policy.spec?.policyTypes?.includes('Ingress') &&
        (policy.spec.ingress ?? []).length === 0,
    );
    expect(denyAll).toHaveLength(1);
  });

  it("select existing workloads, admit existing workloads, and name the targets' ports", () => {
    for (const policy of policies) {
      const selector = policy.spec?.podSelector ?? {};
      if (Object.keys(selector).length === 0) continue;
      const targets = workloads.filter((candidate) => matches(selector, candidate.labels));
      expect([policy.metadata.name, targets.length > 0]).toEqual([policy.metadata.name, true]);
      for (const rule of policy.spec?.ingress ?? []) {
        for (const { port, protocol } of rule.ports ?? []) {
          expect(protocol ?? 'TCP').toBe('TCP');
          expect(targets.some((target) => target.ports.includes(port))).toBe(true);
        }
        for (const peer of rule.from ?? []) {
          if (peer.namespaceSelector || !peer.podSelector) continue;
          const admitted = workloads.filter((pod) => matches(peer.podSelector ?? {}, pod.labels));
          expect(admitted.length).toBeGreaterThan(0);
        }
      }
    }
  });

  it('admit exactly the callers the services have', () => {
    const everyGuardyn = [...serviceNames].sort();
    expect(allowedPeers(workload('gateway'), 4000)).toEqual({
      pods: [],
      outside: [ingressController, monitoring].sort(),
    });
    expect(allowedPeers(workload('auth'), 4001).pods).toEqual(
      everyGuardyn.filter((name) => name !== 'auth'),
    );
    expect(allowedPeers(workload('messaging'), 4002).pods).toEqual(['gateway', 'presence']);
    for (const name of ['presence', 'media', 'notification'] as const) {
      expect(allowedPeers(workload(name), subgraphPorts[name]).pods).toEqual(['gateway']);
    }
    // The Ingress publishes media's signed downloads (/media/) as well as the gateway.
    expect(allowedPeers(workload('media'), 4004).outside).toEqual(
      [ingressController, monitoring].sort(),
    );
    expect(allowedPeers(workload('nats'), 4222)).toEqual({ pods: everyGuardyn, outside: [] });
    expect(allowedPeers(workload('nats'), 8222).pods).toEqual([]);
    expect(allowedPeers(workload('scylla'), 9042).pods).toEqual([...subgraphNames].sort());
    expect(allowedPeers(workload('scylla'), 7000).pods).toEqual(['scylla']);
  });

  it('admit every call the code makes (entity lookups, JWKS, the gateway)', async () => {
    const calls: [string, string][] = [];
    for (const caller of subgraphNames) {
      const source = await readFile(
        path.join(projectRoot, 'subgraphs', caller, 'index.ts'),
        'utf8',
      );
      for (const [, callee = ''] of source.matchAll(/subgraphUrl\('(\w+)'\)/g)) {
        calls.push([caller, callee]);
      }
    }
    expect(calls).toEqual(
      expect.arrayContaining([
        ['messaging', 'auth'],
        ['presence', 'messaging'],
      ]),
    );
    for (const name of subgraphNames) calls.push(['gateway', name]);
    for (const name of serviceNames) if (name !== 'auth') calls.push([name, 'auth']);
    for (const [caller, callee] of calls) {
      const port = subgraphPorts[callee as keyof typeof subgraphPorts];
      expect({
        caller,
        callee,
        allowed: allowedPeers(workload(callee), port).pods.includes(caller),
      }).toEqual({ caller, callee, allowed: true });
    }
  });

  it('admit Prometheus to every port a pod asks it to scrape', () => {
    const scraped = workloads.filter((pod) => pod.annotations['prometheus.io/scrape'] === 'true');
    expect(scraped.length).toBe(serviceNames.length + 1);
    for (const pod of scraped) {
      const port = Number(pod.annotations['prometheus.io/port']);
      expect({ pod: pod.name, outside: allowedPeers(pod, port).outside }).toEqual({
        pod: pod.name,
        outside: expect.arrayContaining([monitoring]),
      });
    }
  });
});
