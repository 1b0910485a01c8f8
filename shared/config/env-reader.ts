/**
 * The environment reader. Kept rather than a library (envalid, env-var): none refuses the
 * GUARDYN_ variables nobody reads, and the parsers that matter here (CIDRs, origins, CQL
 * replication) would stay ours anyway.
 */
import { parseOrigins } from '../http/cors-origins.js';
import { parseCidr } from '../http/trusted-proxies.js';
import type { ScyllaReplication } from './config.js';

/** A bad environment value; the message names the variable and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable}: ${problem}`);
    this.name = 'ConfigError';
  }
}

const prefix = 'GUARDYN_';
export type Env = Readonly<Record<string, string | undefined>>;

/** Reads one variable at a time and remembers which ones it knows, to refuse the unknown. */
export class EnvReader {
  private readonly known = new Set<string>();
  constructor(private readonly env: Env) {}

  /** The value with surrounding blanks removed; undefined when unset or empty. */
  raw(name: string): string | undefined {
    this.known.add(name);
    const value = this.env[name]?.trim();
    return value === '' ? undefined : value;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(value)) {
      throw new ConfigError(name, `"${value}" is not one of ${allowed.join(', ')}`);
    }
    return value as T;
  }

  port(name: string): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) > 65535) {
      throw new ConfigError(name, `"${value}" is not a port number (0 to 65535)`);
    }
    return Number(value);
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new ConfigError(name, `"${value}" is not a whole number from ${min} to ${max}`);
    }
    return Number(value);
  }

  url(name: string, schemes: readonly string[]): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new ConfigError(name, `"${value}" is not a URL`);
    }
    const scheme = parsed.protocol.replace(/:$/, '');
    if (!schemes.includes(scheme)) {
      throw new ConfigError(name, `"${value}" must use ${schemes.join(' or ')}`);
    }
    return value;
  }

  /** The value if it matches `pattern`; else a ConfigError saying it is not `what`. */
  matching(name: string, pattern: RegExp, what: string): string | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!pattern.test(value)) throw new ConfigError(name, `"${value}" is not ${what}`);
    return value;
  }

  /** A comma-separated list of CIDR ranges (or single addresses), normalized. */
  cidrs(name: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    return value.split(',').map((entry) => {
      try {
        return parseCidr(entry);
      } catch (error) {
        const problem = error instanceof Error ? error.message : String(error);
        throw new ConfigError(name, `${problem} (comma-separated list)`);
      }
    });
  }

  /** A comma-separated list of exact origins (`scheme://host[:port]`), normalized. */
  origins(name: string): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    try {
      return parseOrigins(value);
    } catch (error) {
      const problem = error instanceof Error ? error.message : String(error);
      throw new ConfigError(name, `${problem} (comma-separated list)`);
    }
  }

  hostPorts(name: string, defaultPort: number): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    return value.split(',').map((entry) => {
      const node = entry.trim();
      const match = /^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(?::(\d{1,5}))?$/.exec(node);
      const port = match?.[2] === undefined ? defaultPort : Number(match[2]);
      if (!match || port < 1 || port > 65535) {
        throw new ConfigError(name, `"${node}" is not host or host:port (comma-separated list)`);
      }
      return `${match[1]}:${port}`;
    });
  }

  replication(name: string): ScyllaReplication | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const expected =
      'expected SimpleStrategy:<factor> or NetworkTopologyStrategy:<dc>=<factor>,... (factors 1 to 99)';
    const factor = (text: string | undefined) =>
      text !== undefined && /^[1-9]\d?$/.test(text) ? Number(text) : undefined;
    const [strategy, spec = ''] = value.split(/:(.*)/s, 2);
    if (strategy === 'SimpleStrategy') {
      const replicationFactor = factor(spec.trim());
      if (replicationFactor === undefined) throw new ConfigError(name, `"${value}": ${expected}`);
      return { strategy, replicationFactor };
    }
    if (strategy === 'NetworkTopologyStrategy') {
      const dataCenters: Record<string, number> = {};
      for (const entry of spec.split(',')) {
        const match = /^\s*([A-Za-z0-9_.-]+)\s*=\s*(\S+)\s*$/.exec(entry);
        const replicationFactor = factor(match?.[2]);
        if (!match?.[1] || replicationFactor === undefined || match[1] in dataCenters) {
          throw new ConfigError(name, `"${value}": ${expected}, each data center once`);
        }
        dataCenters[match[1]] = replicationFactor;
      }
      return { strategy, dataCenters };
    }
    throw new ConfigError(name, `"${value}": ${expected}`);
  }

  /** Refuses GUARDYN_ variables nobody reads: a typo must not silently fall back to a default. */
  refuseUnknown(): void {
    for (const name of Object.keys(this.env)) {
      if (name.startsWith(prefix) && !this.known.has(name)) {
        throw new ConfigError(name, 'unknown setting (see the configuration table in README.md)');
      }
    }
  }
}
