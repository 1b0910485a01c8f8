/**
 * One `T` per request context, made on first use and dropped with the context: the home of
 * per-request batchers, whose answers depend on the caller and must not outlive the request.
 */
export function perRequest<C extends object, T>(create: (context: C) => T): (context: C) => T {
  const made = new WeakMap<C, T>();
  return (context) => {
    let value = made.get(context);
    if (value === undefined) {
      value = create(context);
      made.set(context, value);
    }
    return value;
  };
}
