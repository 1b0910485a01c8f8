/**
 * The OpenAPI schemas of Kubernetes do not forbid unknown fields (the API server drops them, or
 * refuses them with `kubectl apply --validate=strict`), so a misspelt field passes a schema check.
 * This finds them: the compiled validator reads every field its schema knows, so a field it never
 * read is one the schema does not have. (Free-form fields would be reported too; these manifests
 * have none: labels, annotations and ConfigMap data are maps the validator reads key by key.)
 */
type Node = Record<string, unknown>;

const isObject = (value: unknown): value is Node =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Runs `validate` on a copy of `data` that records the fields read; returns the unread ones. */
export function unreadFields(data: Node, validate: (data: Node) => void): string[] {
  const read = new WeakMap<object, Set<string>>();
  const proxies = new WeakMap<object, object>();
  const track = <T>(value: T): T => {
    if (typeof value !== 'object' || value === null) return value;
    const cached = proxies.get(value);
    if (cached) return cached as T;
    const keys = new Set<string>();
    read.set(value, keys);
    const proxy = new Proxy(value, {
      get(target, property, receiver) {
        if (typeof property === 'string') keys.add(property);
        return track(Reflect.get(target, property, receiver) as unknown);
      },
    });
    proxies.set(value, proxy);
    return proxy;
  };
  validate(track(data));

  const unread: string[] = [];
  const walk = (value: unknown, path: string) => {
    if (Array.isArray(value)) {
      value.forEach((item, index) => walk(item, `${path}[${index}]`));
    } else if (isObject(value)) {
      const keys = read.get(value);
      for (const [key, child] of Object.entries(value)) {
        if (!keys?.has(key)) unread.push(`${path}.${key}`);
        else walk(child, `${path}.${key}`);
      }
    }
  };
  walk(data, '');
  return unread.map((path) => path.slice(1));
}
