/**
 * The variable tables in docs/ against the specs the processes read: every
 * variable documented exists, every one read is documented, and each
 * documented default, range, word list and minimum length is the spec's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Spec } from '../../env/read-env.js';
import type { Variable } from '../../env/variable.js';
import { launcherEnv } from '../../launcher/config.js';
import { serverEnv } from '../../server/config.js';
import { relayEnv } from '../../turn/config.js';

interface Row {
  names: string[];
  default: string;
  allowed: string;
}

const docs = (file: string) => readFileSync(new URL(`../../docs/${file}`, import.meta.url), 'utf8');

/** The `| variable | default | allowed | …` table under a `## heading`. */
function variableTable(markdown: string, heading: string): Row[] {
  const lines = markdown.split('\n');
  const start = lines.indexOf(`## ${heading}`);
  if (start === -1) throw new Error(`no section "${heading}"`);
  const end = lines.findIndex((line, index) => index > start && line.startsWith('## '));
  const section = lines.slice(start, end === -1 ? undefined : end);
  const header = section.findIndex((line) => line.startsWith('| variable | default | allowed |'));
  if (header === -1) throw new Error(`no "| variable | default | allowed |" table under "${heading}"`);
  const rows = section.slice(header + 2);
  const last = rows.findIndex((line) => !line.startsWith('|'));
  return rows.slice(0, last === -1 ? undefined : last).map((line) => {
    const [variables = '', fallback = '', allowed = ''] = line
      .split(/(?<!\\)\|/)
      .slice(1)
      .map((cell) => cell.trim());
    return { names: codeSpans(variables), default: fallback, allowed };
  });
}

function codeSpans(cell: string): string[] {
  return [...cell.matchAll(/`([^`]*)`/g)].map((match) => match[1] ?? '');
}

/** How the default column must put a variable's default. */
function documentedDefault(variable: Variable<unknown>): string {
  if (variable.required !== undefined) return 'required';
  if (variable.defaultDoc !== undefined) return variable.defaultDoc;
  if (variable.default === undefined) return 'none';
  if (Array.isArray(variable.default) && variable.default.length === 0) return 'empty';
  return `\`${String(variable.default)}\``;
}

/** One variable's part of a row's default cell: `a`, `b` pairwise for two names, `x` each, or the whole cell. */
function defaultCell(row: Row, index: number): string {
  if (row.names.length === 1) return row.default;
  const spans = codeSpans(row.default);
  if (spans.length === row.names.length) return `\`${spans[index]}\``;
  if (spans.length === 1 && row.default.endsWith(' each')) return `\`${spans[0]}\``;
  return row.default;
}

const tables: { file: string; heading: string; spec: Spec }[] = [
  { file: 'configuration.md', heading: 'Variables', spec: serverEnv },
  { file: 'configuration.md', heading: 'Launcher', spec: launcherEnv },
  { file: 'turn.md', heading: 'Relay configuration', spec: relayEnv },
];

describe.each(tables)('docs/$file, $heading', ({ file, heading, spec }) => {
  const rows = variableTable(docs(file), heading);
  const variables = new Map(Object.values(spec).map((variable) => [variable.name, variable]));
  const documented = rows.flatMap((row) => row.names.map((name, index) => ({ name, row, index })));

  it('documents every variable the process reads, once, and no other', () => {
    expect(documented.map(({ name }) => name).sort()).toEqual([...variables.keys()].sort());
  });

  it.each(documented)('gives the default of $name', ({ name, row, index }) => {
    const variable = variables.get(name);
    if (variable === undefined) return;
    const cell = defaultCell(row, index);
    const expected = documentedDefault(variable);
    expect(cell === expected || cell.startsWith(`${expected} `), `"${cell}" should say ${expected}`).toBe(true);
  });

  it.each(documented)('gives the range, words and length that $name accepts', ({ name, row }) => {
    const { kind } = variables.get(name) ?? {};
    if (kind === undefined) return;
    const range = /(\d+)`?–`?(\d+)/.exec(row.allowed);
    expect(range === null ? undefined : { min: Number(range[1]), max: Number(range[2]) }).toEqual(kind.range);
    const length = /at least (\d+) characters/.exec(row.allowed);
    expect(length === null ? undefined : Number(length[1])).toEqual(kind.minLength);
    if (kind.words !== undefined) {
      const bounds = kind.range === undefined ? [] : [kind.range.min, kind.range.max].map(String);
      expect(new Set(codeSpans(row.allowed))).toEqual(new Set([...kind.words, ...bounds]));
    }
  });
});
