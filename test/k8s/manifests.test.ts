import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../../shared/config/index.js';
import { kustomize, merge, type Json, type JsonObject, type Resource } from './kustomize.js';
import { validateResource } from './validate.js';

const k8s = fileURLToPath(new URL('../../k8s/', import.meta.url));
const builds = {
  base: kustomize(path.join(k8s, 'base')),
  dev: kustomize(path.join(k8s, 'overlays/dev')),
  production: kustomize(path.join(k8s, 'overlays/production')),
};

const named = (resources: readonly Resource[], kind: string, name: string): JsonObject => {
  const found = resources.find(
    (r) =>
      r.object['kind'] === kind &&
      (r.object['metadata'] as { name?: string } | undefined)?.name === name,
  );
  if (!found) throw new Error(`no ${kind} ${name}`);
  return found.object;
};
const configOf = (resources: readonly Resource[]) =>
  named(resources, 'ConfigMap', 'guardyn-config')['data'] as Record<string, string>;

/** `101m` → bytes, as ingress-nginx reads proxy-body-size. */
function sizeBytes(size: string): number {
  const match = /^(\d+)([kmg]?)$/i.exec(size);
  if (!match?.[1]) throw new Error(`unreadable size ${size}`);
  const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(match[2] ?? '').toLowerCase()];
  return Number(match[1]) * (unit ?? Number.NaN);
}

describe('Kubernetes manifests', () => {
  for (const [build, resources] of Object.entries(builds)) {
    it(`${build}: every object is valid against the Kubernetes schemas`, async () => {
      expect(resources.length).toBeGreaterThan(20);
      const problems: string[] = [];
      for (const resource of resources) problems.push(...(await validateResource(resource)));
      expect(problems).toEqual([]);
    });
  }

  for (const [build, resources] of Object.entries(builds)) {
    it(`${build}: every Guardyn Deployment's environment passes the configuration check`, () => {
      const shared = configOf(resources);
      const deployments = resources.filter((r) => r.object['kind'] === 'Deployment');
      expect(deployments.length).toBe(6);
      for (const { object } of deployments) {
        const spec = object['spec'] as {
          template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } };
        };
        const own = (spec.template.spec.containers[0]?.env ?? []).flatMap(({ name, value }) =>
          value === undefined ? [] : [[name, value] as const],
        );
        expect(() => loadConfig({ ...shared, ...Object.fromEntries(own) })).not.toThrow();
      }
    });
  }

  it('refuses a misspelt field, a wrong type and a missing required field', async () => {
    const deployment = builds.production.find((r) => r.object['kind'] === 'Deployment');
    if (!deployment) throw new Error('no Deployment');
    const broken = (patch: Json): Resource => ({
      source: 'test',
      object: merge(deployment.object, patch),
    });
    const spec = deployment.object['spec'] as { template: { spec: JsonObject } };
    const { containers, ...podSpecWithout } = spec.template.spec;
    const typo = broken({ spec: { template: { spec: { contianers: containers ?? [] } } } });
    expect(await validateResource(typo)).not.toEqual([]);
    expect(await validateResource(broken({ spec: { replicas: 'two' } }))).not.toEqual([]);
    const missing: Resource = {
      source: 'test',
      object: { ...deployment.object, spec: { ...spec, template: { spec: podSpecWithout } } },
    };
    expect(await validateResource(missing)).not.toEqual([]);
    expect(
      await validateResource({ source: 'test', object: { apiVersion: 'v1', kind: 'Sevrice' } }),
    ).not.toEqual([]);
  });

  it('the Ingress publishes /graphql and /media/ only, never /metrics or /health', () => {
    for (const resources of Object.values(builds)) {
      const ingress = named(resources, 'Ingress', 'gateway') as {
        spec: {
          rules: { http: { paths: { path: string; backend: { service: { name: string } } }[] } }[];
        };
      };
      const routes = ingress.spec.rules.flatMap((rule) =>
        rule.http.paths.map((p) => `${p.path} -> ${p.backend.service.name}`),
      );
      expect(routes.sort()).toEqual(['/graphql -> gateway', '/media/ -> media']);
    }
  });

  it('the Ingress takes an attachment of the largest size with its multipart envelope', () => {
    for (const resources of Object.values(builds)) {
      const ingress = named(resources, 'Ingress', 'gateway') as {
        metadata: { annotations: Record<string, string> };
      };
      const limit = ingress.metadata.annotations['nginx.ingress.kubernetes.io/proxy-body-size'];
      const attachment = Number(
        configOf(resources)['GUARDYN_MEDIA__MAX_ATTACHMENT_BYTES'] ?? 100 * 1024 ** 2,
      );
      expect(sizeBytes(limit ?? '1m')).toBeGreaterThanOrEqual(attachment + 64 * 1024);
    }
  });

  it('downloadUrls name the Ingress host, and media admits the ingress controller', () => {
    for (const [build, resources] of Object.entries(builds)) {
      const ingress = named(resources, 'Ingress', 'gateway') as {
        spec: { rules: { host: string }[]; tls?: unknown[] };
      };
      const scheme = build === 'dev' ? 'http' : 'https';
      expect(configOf(resources)['GUARDYN_MEDIA__PUBLIC_URL']).toBe(
        `${scheme}://${ingress.spec.rules[0]?.host}`,
      );
      const policy = named(resources, 'NetworkPolicy', 'media') as {
        spec: { ingress: { from: { namespaceSelector?: { matchLabels: object } }[] }[] };
      };
      const namespaces = policy.spec.ingress.flatMap((rule) =>
        rule.from.map((peer) => peer.namespaceSelector?.matchLabels),
      );
      expect(namespaces).toContainEqual({ 'kubernetes.io/metadata.name': 'ingress-nginx' });
    }
    expect(named(builds.production, 'Ingress', 'gateway')['spec']).toHaveProperty('tls');
  });

  it('production keeps three replicas of every keyspace on its three ScyllaDB nodes', () => {
    const scylla = named(builds.production, 'StatefulSet', 'scylla') as {
      spec: { replicas: number };
    };
    expect(scylla.spec.replicas).toBe(3);
    const config = configOf(builds.production);
    expect(config['GUARDYN_DATABASE__SCYLLADB_REPLICATION']).toBe(
      `NetworkTopologyStrategy:${config['GUARDYN_DATABASE__SCYLLADB_LOCAL_DC']}=3`,
    );
    // Dev runs one node: the default SimpleStrategy:1 fits it.
    expect(configOf(builds.dev)['GUARDYN_DATABASE__SCYLLADB_REPLICATION']).toBeUndefined();
  });
});
