/** The Markdown every bench report is made of: number formats, tables, and the header with the machine. */
import type { Machine } from './machine.js';
import type { Summary } from './stats.js';

export type Format = (value: number) => string;

/** A missing value (a round that lacked it) prints as a dash. */
const orDash =
  (format: Format): Format =>
  (value) =>
    Number.isFinite(value) ? format(value) : '–';

export const fixed = (digits: number): Format => orDash((value) => value.toFixed(digits));

/** A whole number with thin groups of thousands: 12 345. */
export const integer: Format = orDash((value) => Math.round(value).toLocaleString('en-US').replace(/,/g, ' '));

/** `median (min–max)`. */
export function cell(summary: Summary, format: Format): string {
  if (!Number.isFinite(summary.median)) return '–';
  return `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})`;
}

/** subject ÷ reference, both measured in the same run. */
export const ratio = (subject: number, reference: number): string =>
  reference > 0 && Number.isFinite(subject) ? (subject / reference).toFixed(2) : '–';

export const verdict = (pass: boolean): string => (pass ? 'PASS' : 'MISS');

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(' | ')} |`;

/** A table as lines: the header row, its rule, one line per row. */
export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string[] {
  return [row(header), `|${'---|'.repeat(header.length)}`, ...rows.map(row)];
}

export const bullets = (items: readonly string[]): string[] => items.map((item) => `- ${item}`);

export interface Header {
  title: string;
  /** The argument of `npm run bench --` that writes this report. */
  bench: string;
  date: string;
  /** Lines between the title and "Written by". */
  preface?: string[];
  /** Said after the run time, e.g. what part of it a build took. */
  runtime: string;
}

/** The title, which command wrote the report and when, and how long the run took. */
export function reportHeader({ title, bench, date, preface = [], runtime }: Header): string[] {
  return [
    `# ${title}`,
    '',
    ...(preface.length === 0 ? [] : [...preface, '']),
    `Written by \`npm run bench -- ${bench}\` (bench/${bench}/) on ${date}; rerun it rather than editing this file.`,
    `The whole run took ${runtime}.`,
  ];
}

/** The "Machine" section: CPU, cores and Node, then what else the bench recorded about it. */
export function machineSection(machine: Omit<Machine, 'date'>, more: ReadonlyArray<[string, string]> = []): string[] {
  return [
    '## Machine',
    '',
    ...table(['', ''], [['CPU', machine.cpu], ['nproc', machine.nproc], ['Node', machine.node], ...more]),
  ];
}
