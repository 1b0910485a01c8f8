import type { Target } from './gateways.js';

/** JSON with object keys sorted, so that two answers compare by content, not by key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
      a < b ? -1 : a > b ? 1 : 0,
    );
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/** One answer as the check sees it: its status and body, or why there was none. */
export interface Answer {
  readonly target: string;
  readonly status: number;
  readonly body: string;
}

/**
 * Problems with a set of answers to one request: each answer that is not HTTP 200, carries GraphQL
 * errors or lacks data, and any whose data differs from the first one's. Empty when all agree.
 */
export function disagreements(answers: readonly Answer[]): string[] {
  const problems: string[] = [];
  let reference: { target: string; data: string } | undefined;
  for (const answer of answers) {
    let parsed: { data?: unknown; errors?: unknown } | undefined;
    try {
      parsed = JSON.parse(answer.body) as { data?: unknown; errors?: unknown };
    } catch {
      parsed = undefined;
    }
    if (answer.status !== 200 || !parsed || parsed.errors !== undefined || !parsed.data) {
      problems.push(`${answer.target}: HTTP ${answer.status} ${answer.body.slice(0, 300)}`);
      continue;
    }
    const data = canonicalJson(parsed.data);
    if (!reference) reference = { target: answer.target, data };
    else if (data !== reference.data) {
      problems.push(
        `${answer.target} answers ${data.slice(0, 300)}, ${reference.target} ${reference.data.slice(0, 300)}`,
      );
    }
  }
  return problems;
}

/** POSTs `query` with `token` to every target and fails loudly unless all return the same data. */
export async function checkSameData(
  targets: readonly Target[],
  query: string,
  token: string,
): Promise<void> {
  const answers = await Promise.all(
    targets.map(async (target): Promise<Answer> => {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query }),
      });
      return { target: target.name, status: response.status, body: await response.text() };
    }),
  );
  const problems = disagreements(answers);
  if (problems.length > 0) {
    throw new Error(`the targets do not agree on ${query}:\n  ${problems.join('\n  ')}`);
  }
}

/** The `extensions.code` of the first error each target answers `query` (sent without a token) with. */
export async function errorCodes(
  targets: readonly Target[],
  query: string,
): Promise<Map<string, string>> {
  const codes = new Map<string, string>();
  for (const target of targets) {
    const response = await fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      errors?: { extensions?: { code?: unknown } }[];
    };
    const code = body.errors?.[0]?.extensions?.code;
    codes.set(target.name, typeof code === 'string' ? code : `none (HTTP ${response.status})`);
  }
  return codes;
}
