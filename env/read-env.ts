/**
 * Reads a spec of variables against an environment (the process's config.ts
 * passes process.env; nothing here reads it), collecting every problem
 * rather than stopping at the first, so an operator fixes them in one go.
 */
import type { Variable } from './variable.js';

export type Env = Record<string, string | undefined>;

/** Field names (the config's) to variables. */
export type Spec = Record<string, Variable<unknown>>;

export type Values<S extends Spec> = { -readonly [K in keyof S]: S[K] extends Variable<infer T> ? T : never };

export interface Reading<S extends Spec> {
  /** A bad variable's value is its default, so checks across variables can run on the rest. */
  values: Values<S>;
  /** Each starts with its variable's name; in the spec's order. */
  problems: string[];
  /** Whether these fields were all read without a problem: only then does a check between them mean anything. */
  clean(...fields: (keyof S)[]): boolean;
}

/** The trimmed text of a variable; undefined when it is unset or blank, which both mean "the default". */
export function given(env: Env, name: string): string | undefined {
  const text = env[name]?.trim();
  return text === undefined || text === '' ? undefined : text;
}

export function readEnv<S extends Spec>(spec: S, env: Env): Reading<S> {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  const failed = new Set<keyof S>();
  for (const [field, variable] of Object.entries(spec)) {
    // A copy, so that no config can change a default another one shares (a list's, say).
    values[field] = structuredClone(variable.default);
    const text = given(env, variable.name);
    if (text === undefined) {
      if (variable.required === undefined) continue;
      problems.push(`${variable.name} is required: ${variable.required}`);
      failed.add(field);
      continue;
    }
    const parsed = variable.kind.parse(text);
    if ('value' in parsed) {
      values[field] = parsed.value;
    } else {
      problems.push(...parsed.problems.map((problem) => `${variable.name} ${problem}`));
      failed.add(field);
    }
  }
  return {
    values: values as Values<S>,
    problems,
    clean: (...fields) => fields.every((field) => !failed.has(field)),
  };
}

/** The values of an empty environment (required variables aside). */
export function defaultsOf<S extends Spec>(spec: S): Values<S> {
  return readEnv(spec, {}).values;
}

/** The one way a process prints its configuration problems: a title, then one line each. */
export function problemReport(title: string, problems: string[]): string {
  return `${title}:\n  - ${problems.join('\n  - ')}`;
}
