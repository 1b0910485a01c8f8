/**
 * Validates one rendered object against the Kubernetes OpenAPI schemas that `kubernetes-models`
 * ships (one model class per apiVersion and kind): types, formats, required fields, and (see
 * unknown-fields.ts) fields the schema does not know.
 */
import type { Resource } from './kustomize.js';
import { unreadFields } from './unknown-fields.js';

interface Model {
  validate(): void;
}
type ModelClass = new (data: object) => Model;

/** `apps/v1` + `Deployment` → `kubernetes-models/apps/v1/Deployment`; core `v1` → `v1`. */
async function modelFor(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  if (!/^[a-z0-9.]+(\/[a-z0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
    return undefined;
  }
  try {
    const module = (await import(`kubernetes-models/${apiVersion}/${kind}`)) as Record<
      string,
      unknown
    >;
    const model = module[kind];
    return typeof model === 'function' ? (model as ModelClass) : undefined;
  } catch {
    return undefined;
  }
}

/** The problems with `resource`, each naming its file, kind and name; none when it is valid. */
export async function validateResource(resource: Resource): Promise<string[]> {
  const { apiVersion, kind, metadata } = resource.object as {
    apiVersion?: unknown;
    kind?: unknown;
    metadata?: { name?: unknown };
  };
  const where = `${resource.source}: ${String(kind)} ${String(metadata?.name)}`;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') {
    return [`${where}: needs apiVersion and kind`];
  }
  const Model = await modelFor(apiVersion, kind);
  if (!Model) return [`${where}: no schema for ${apiVersion} ${kind}`];
  const validate = Model.prototype.validate;
  // A copy, so that the check sees exactly the rendered object (the model would copy it first).
  const data = structuredClone(resource.object) as Record<string, unknown>;
  let problems: string[] = [];
  try {
    problems = unreadFields(data, (tracked) => validate.call(tracked)).map(
      (field) => `${where}: unknown field ${field}`,
    );
  } catch (error) {
    problems.push(`${where}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return problems;
}
