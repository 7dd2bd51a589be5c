/**
 * What one environment variable is: its name, how its text becomes a value,
 * its default, and a line saying what it sets. Each process declares its
 * variables as a spec of these (server/config.ts, turn/config.ts,
 * launcher/config.ts) and reads them with readEnv (read-env.ts); the docs
 * tables are checked against the specs (test/unit/config-docs.test.ts).
 */

/** A value, or what is wrong with the text: phrases that complete a sentence starting with the variable's name. */
export type Parsed<T> = { value: T } | { problems: string[] };

/** How the trimmed, non-empty text of a variable becomes a value. */
export interface Kind<T> {
  parse(text: string): Parsed<T>;
  /** The accepted numbers, for the docs check. */
  readonly range?: { min: number; max: number };
  /** The accepted words, for the docs check. */
  readonly words?: readonly string[];
  /** The shortest accepted text, for the docs check. */
  readonly minLength?: number;
}

export interface Variable<T> {
  readonly name: string;
  readonly kind: Kind<T>;
  /** The value when the variable is unset or blank (or, when required, missing). */
  readonly default: T;
  /** What the docs say for the default when the value alone does not tell (decided elsewhere, or derived). */
  readonly defaultDoc?: string;
  /** Set when the process cannot run without the variable: why it is needed. */
  readonly required?: string;
  /** What the variable sets, in one line. */
  readonly doc: string;
}

export interface Declaration<T> {
  default: T;
  doc: string;
  defaultDoc?: string;
  required?: string;
}

/** A variable of a kind declared beside the spec that uses it (a process's own kinds). */
export function variable<T>(name: string, kind: Kind<T>, declaration: Declaration<T>): Variable<T> {
  return { name, kind, ...declaration };
}
