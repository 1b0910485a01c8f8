/**
 * The part of kustomize these manifests use, to validate what an overlay really produces without
 * `kubectl`: resources (files and directories), namespace, labels, images, configMapGenerator
 * (literals, `behavior: merge`), and patches: JSON 6902 (inline or file, with a target of kind,
 * name and/or labelSelector) and strategic merge (a file naming its object; lists of named
 * entries merge by name, other lists are replaced, as for containers, env and ports). Anything
 * else in a kustomization is refused, so a new feature cannot slip past unvalidated.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** One rendered object, with the file it came from. */
export interface Resource {
  readonly source: string;
  readonly object: JsonObject;
}

const supportedKeys = new Set([
  'apiVersion',
  'kind',
  'namespace',
  'labels',
  'resources',
  'images',
  'configMapGenerator',
  'patches',
]);

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

export function readYamlDocuments(file: string): Json[] {
  return parseAllDocuments(readFileSync(file, 'utf8'))
    .map((document) => {
      if (document.errors.length > 0) throw new Error(`${file}: ${document.errors[0]?.message}`);
      return document.toJS() as Json;
    })
    .filter((value) => value !== null);
}

/** Renders the kustomization in `dir` as `kubectl kustomize` would (for the features above). */
export function kustomize(dir: string): Resource[] {
  const [kustomization] = readYamlDocuments(path.join(dir, 'kustomization.yaml'));
  if (!isObject(kustomization)) throw new Error(`${dir}: kustomization.yaml is not a mapping`);
  for (const key of Object.keys(kustomization)) {
    if (!supportedKeys.has(key)) throw new Error(`${dir}: kustomization key ${key} not supported`);
  }
  let resources: Resource[] = [];
  for (const entry of list(kustomization['resources'])) {
    const target = path.join(dir, String(entry));
    if (statSync(target).isDirectory()) resources.push(...kustomize(target));
    else resources.push(...readResources(target));
  }
  resources = generateConfigMaps(dir, kustomization, resources);
  for (const patch of list(kustomization['patches'])) resources = applyPatch(dir, patch, resources);
  for (const image of list(kustomization['images']))
    resources = resources.map((r) => setImage(r, image));
  if (typeof kustomization['namespace'] === 'string') {
    const namespace = kustomization['namespace'];
    resources = resources.map((resource) =>
      resource.object['kind'] === 'Namespace'
        ? resource
        : { ...resource, object: merge(resource.object, { metadata: { namespace } }) },
    );
  }
  for (const label of list(kustomization['labels']))
    resources = resources.map((r) => addLabels(r, label));
  return resources;
}

function list(value: Json | undefined): Json[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`expected a list, got ${JSON.stringify(value)}`);
  return value;
}

function readResources(file: string): Resource[] {
  return readYamlDocuments(file).map((object) => {
    if (!isObject(object)) throw new Error(`${file}: a document is not a mapping`);
    return { source: file, object };
  });
}

function generateConfigMaps(
  dir: string,
  kustomization: JsonObject,
  resources: Resource[],
): Resource[] {
  let result = resources;
  for (const generator of list(kustomization['configMapGenerator'])) {
    if (!isObject(generator) || typeof generator['name'] !== 'string') {
      throw new Error(`${dir}: a configMapGenerator entry needs a name`);
    }
    const data: JsonObject = {};
    for (const literal of list(generator['literals'])) {
      const [key, ...value] = String(literal).split('=');
      if (!key || value.length === 0)
        throw new Error(`${dir}: literal ${String(literal)} is not KEY=VALUE`);
      data[key] = value.join('=');
    }
    const name = generator['name'];
    const isIt = (r: Resource) =>
      r.object['kind'] === 'ConfigMap' && metadataName(r.object) === name;
    if (generator['behavior'] === 'merge') {
      if (!result.some(isIt)) throw new Error(`${dir}: merge into missing ConfigMap ${name}`);
      result = result.map((r) => (isIt(r) ? { ...r, object: merge(r.object, { data }) } : r));
    } else {
      const source = path.join(dir, 'kustomization.yaml');
      result = [
        ...result,
        { source, object: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data } },
      ];
    }
  }
  return result;
}

function metadataName(object: JsonObject): string | undefined {
  const metadata = object['metadata'];
  return isObject(metadata) && typeof metadata['name'] === 'string' ? metadata['name'] : undefined;
}

function labelsOf(object: JsonObject): JsonObject {
  const metadata = object['metadata'];
  return isObject(metadata) && isObject(metadata['labels']) ? metadata['labels'] : {};
}

function matchesTarget(object: JsonObject, target: JsonObject): boolean {
  if (target['kind'] !== undefined && object['kind'] !== target['kind']) return false;
  if (target['name'] !== undefined && metadataName(object) !== target['name']) return false;
  if (typeof target['labelSelector'] === 'string') {
    const labels = labelsOf(object);
    return target['labelSelector'].split(',').every((pair) => {
      const [key, value] = pair.split('=');
      return key !== undefined && labels[key.trim()] === value?.trim();
    });
  }
  return true;
}

function applyPatch(dir: string, entry: Json, resources: Resource[]): Resource[] {
  if (!isObject(entry)) throw new Error(`${dir}: a patch is not a mapping`);
  const documents =
    typeof entry['path'] === 'string'
      ? readYamlDocuments(path.join(dir, entry['path']))
      : readInline(String(entry['patch'] ?? ''));
  const [first] = documents;
  const target = entry['target'];
  if (Array.isArray(first)) {
    if (!isObject(target)) throw new Error(`${dir}: a JSON 6902 patch needs a target`);
    let matched = 0;
    const patched = resources.map((resource) => {
      if (!matchesTarget(resource.object, target)) return resource;
      matched += 1;
      return { ...resource, object: applyJson6902(resource.object, first, dir) };
    });
    if (matched === 0)
      throw new Error(`${dir}: patch target ${JSON.stringify(target)} matches nothing`);
    return patched;
  }
  let result = resources;
  for (const patch of documents) {
    if (!isObject(patch)) throw new Error(`${dir}: a strategic merge patch is not a mapping`);
    const selector: JsonObject = isObject(target)
      ? target
      : { kind: patch['kind'] ?? null, name: metadataName(patch) ?? null };
    if (!result.some((r) => matchesTarget(r.object, selector))) {
      throw new Error(
        `${dir}: strategic merge patch for ${JSON.stringify(selector)} matches nothing`,
      );
    }
    result = result.map((r) =>
      matchesTarget(r.object, selector) ? { ...r, object: merge(r.object, patch) } : r,
    );
  }
  return result;
}

function readInline(text: string): Json[] {
  return parseAllDocuments(text).map((document) => document.toJS() as Json);
}

const unescapePointer = (token: string) => token.replaceAll('~1', '/').replaceAll('~0', '~');

function applyJson6902(object: JsonObject, operations: Json[], dir: string): JsonObject {
  const copy = structuredClone(object);
  for (const operation of operations) {
    if (!isObject(operation) || typeof operation['path'] !== 'string') {
      throw new Error(`${dir}: a JSON patch operation needs a path`);
    }
    const tokens = operation['path'].split('/').slice(1).map(unescapePointer);
    const last = tokens.pop();
    if (last === undefined) throw new Error(`${dir}: empty JSON patch path`);
    let parent: Json = copy;
    for (const token of tokens) {
      const next: Json | undefined = Array.isArray(parent)
        ? parent[Number(token)]
        : isObject(parent)
          ? parent[token]
          : undefined;
      if (next === undefined)
        throw new Error(`${dir}: JSON patch path ${operation['path']} does not exist`);
      parent = next;
    }
    const op = operation['op'];
    const value = operation['value'] ?? null;
    if (Array.isArray(parent)) {
      const index = last === '-' ? parent.length : Number(last);
      if (op === 'add') parent.splice(index, 0, value);
      else if (op === 'replace' && index < parent.length) parent[index] = value;
      else if (op === 'remove' && index < parent.length) parent.splice(index, 1);
      else throw new Error(`${dir}: JSON patch ${String(op)} ${operation['path']} cannot apply`);
    } else if (isObject(parent)) {
      if (op === 'add') parent[last] = value;
      else if ((op === 'replace' || op === 'remove') && last in parent) {
        if (op === 'replace') parent[last] = value;
        else delete parent[last];
      } else throw new Error(`${dir}: JSON patch ${String(op)} ${operation['path']} cannot apply`);
    } else {
      throw new Error(`${dir}: JSON patch path ${operation['path']} does not exist`);
    }
  }
  return copy;
}

/** Strategic merge as kustomize does it for the built-in kinds used here. */
export function merge(base: Json, patch: Json): Json & JsonObject {
  return mergeValue(base, patch) as JsonObject;
}

function mergeValue(base: Json | undefined, patch: Json): Json {
  if (isObject(base) && isObject(patch)) {
    const result: JsonObject = { ...base };
    for (const [key, value] of Object.entries(patch)) {
      result[key] = value === null ? null : mergeValue(base[key], value);
      if (value === null) delete result[key];
    }
    return result;
  }
  if (
    Array.isArray(base) &&
    Array.isArray(patch) &&
    patch.every((item) => isObject(item) && typeof item['name'] === 'string')
  ) {
    const result = [...base];
    for (const item of patch) {
      const index = result.findIndex(
        (entry) => isObject(entry) && isObject(item) && entry['name'] === item['name'],
      );
      if (index >= 0) result[index] = mergeValue(result[index], item);
      else result.push(item);
    }
    return result;
  }
  return structuredClone(patch);
}

function setImage(resource: Resource, image: Json): Resource {
  if (!isObject(image) || typeof image['name'] !== 'string')
    throw new Error('an images entry needs a name');
  const { name, newName, newTag } = image;
  const rewrite = (containers: Json | undefined): Json | undefined =>
    Array.isArray(containers)
      ? containers.map((container) => {
          if (!isObject(container) || typeof container['image'] !== 'string') return container;
          const [current] = container['image'].split(':');
          if (current !== name) return container;
          const repository = typeof newName === 'string' ? newName : name;
          return {
            ...container,
            image: typeof newTag === 'string' ? `${repository}:${newTag}` : repository,
          };
        })
      : containers;
  const spec = resource.object['spec'];
  const template = isObject(spec) ? spec['template'] : undefined;
  const podSpec = isObject(template) ? template['spec'] : undefined;
  if (!isObject(podSpec)) return resource;
  const containers = rewrite(podSpec['containers']);
  const initContainers = rewrite(podSpec['initContainers']);
  const patchedPodSpec: JsonObject = { ...podSpec };
  if (containers !== undefined) patchedPodSpec['containers'] = containers;
  if (initContainers !== undefined) patchedPodSpec['initContainers'] = initContainers;
  return {
    ...resource,
    object: merge(resource.object, { spec: { template: { spec: patchedPodSpec } } }),
  };
}

function addLabels(resource: Resource, entry: Json): Resource {
  if (!isObject(entry) || !isObject(entry['pairs'])) throw new Error('a labels entry needs pairs');
  if (entry['includeSelectors'] === true)
    throw new Error('labels with includeSelectors are not supported');
  const pairs = entry['pairs'];
  let object = merge(resource.object, { metadata: { labels: pairs } });
  const spec = object['spec'];
  if (entry['includeTemplates'] === true && isObject(spec) && isObject(spec['template'])) {
    object = merge(object, { spec: { template: { metadata: { labels: pairs } } } });
  }
  return { ...resource, object };
}
