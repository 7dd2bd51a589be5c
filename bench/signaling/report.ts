/**
 * Renders docs/benchmarks.md from one run's rounds: medians per server,
 * ratios to the baseline measured in the same run, the targets, and every
 * round so the spread shows. The flood section is in report-flood.ts.
 */
import type { FloodOutcome } from './ipc.js';
import type { Machine } from '../lib/machine.js';
import { cell, fixed, machineSection, ratio, reportHeader, table, verdict, type Format } from '../lib/markdown.js';
import { compare, type Comparison } from '../lib/rounds.js';
import type { ServerKind } from './processes.js';
import {
  DISTURBED_CPU_PERCENT,
  MAX_RETRIES,
  QUIET_WAIT_BUDGET_MS,
  RETRIES_PER_ROUND,
  anchors,
  latency,
  targets,
} from './params.js';
import { RUNNING, methodLines } from './report-method.js';
import type { FloodScenario } from './params.js';
import { renderFlood } from './report-flood.js';
import type { Window } from './window.js';

export interface LatencyRound {
  kind: ServerKind;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  achievedRate: number;
  samples: number;
  window: Window;
}

export interface SaturationRound {
  kind: ServerKind;
  messagesPerSecond: number;
  usPerMessage: number;
  userUsPerMessage: number;
  windowMessages: number;
  window: Window;
}

export interface MemoryRound {
  kind: ServerKind;
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  kbPerConnection: number;
  heapKbPerConnection: number;
}

/** The probe rooms' latency, as in a latency round, while `scenario` floods the server. */
export interface FloodRound extends LatencyRound {
  scenario: FloodScenario;
  attack: FloodOutcome;
}

export interface ReportInput {
  machine: Machine;
  /** Rounds run per server (per scenario for the flood), which BENCH_ROUNDS may have lowered. */
  counts: { latency: number; saturation: number; memory: number; flood: number };
  latency: LatencyRound[];
  saturation: SaturationRound[];
  memory: MemoryRound[];
  flood: FloodRound[];
  /** Lost or unexpected messages: each one also makes the run exit non-zero. */
  problems: string[];
  /** Things that make a number less trustworthy without being a failure. */
  warnings: string[];
  /** Disturbed rounds that were discarded and run again. */
  retried: string[];
  /** Time spent before rounds waiting for other processes to quiet down. */
  quietWaitSeconds: number;
  wallSeconds: number;
}

const ms = fixed(3);
const one = fixed(1);
const whole = fixed(0);

interface Row extends Comparison {
  label: string;
  format: Format;
}

function row<R extends { kind: ServerKind }>(
  label: string,
  rounds: R[],
  pick: (round: R) => number,
  format: Format,
): Row {
  const kindOf = (round: R): ServerKind => round.kind;
  return { label, format, ...compare(rounds, kindOf, { reference: 'baseline', subject: 'ours' }, pick) };
}

/** The results and the targets: what a reader needs first, also printed at the end of a run. */
export function summaryTable(input: ReportInput): string {
  const at = `at ${latency.ratePerSecond} msg/s`;
  const p99 = row(`Latency p99 ${at} (ms)`, input.latency, (r) => r.p99Ms, ms);
  const cpu = row('Server CPU per relayed message (µs)', input.saturation, (r) => r.usPerMessage, one);
  const rss = row('RSS growth per joined connection (KB)', input.memory, (r) => r.kbPerConnection, fixed(2));
  const rows = [
    row(`Latency p50 ${at} (ms)`, input.latency, (r) => r.p50Ms, ms),
    p99,
    row(`Latency max ${at} (ms)`, input.latency, (r) => r.maxMs, ms),
    row('Saturation throughput (msg/s)', input.saturation, (r) => r.messagesPerSecond, whole),
    cpu,
    row('… of which user space (µs)', input.saturation, (r) => r.userUsPerMessage, one),
    row('… of which kernel (µs)', input.saturation, (r) => r.usPerMessage - r.userUsPerMessage, one),
    row('Server CPU use under saturation (% of a core)', input.saturation, (r) => r.window.serverCpu, whole),
    rss,
    row('JS heap growth per joined connection (KB)', input.memory, (r) => r.heapKbPerConnection, fixed(2)),
  ];
  const checks = [
    {
      target: `p99 latency ≤ ${targets.p99Ratio} × baseline`,
      limit: p99.reference.median * targets.p99Ratio,
      ours: p99.subject.median,
      format: (value: number) => `${ms(value)} ms`,
    },
    {
      target: `CPU per message ≤ ${targets.cpuPerMessageRatio} × baseline`,
      limit: cpu.reference.median * targets.cpuPerMessageRatio,
      ours: cpu.subject.median,
      format: (value: number) => `${one(value)} µs`,
    },
    {
      target: `RSS per connection ≤ baseline + ${targets.extraKbPerConnection} KB`,
      limit: rss.reference.median + targets.extraKbPerConnection,
      ours: rss.subject.median,
      format: (value: number) => `${fixed(2)(value)} KB`,
    },
  ];
  return [
    '## Results (median over rounds, min–max in brackets)',
    '',
    ...table(
      ['Metric', 'Baseline (bare ws)', 'Ours', 'Ours / baseline'],
      rows.map((r) => [
        r.label,
        cell(r.reference, r.format),
        cell(r.subject, r.format),
        ratio(r.subject.median, r.reference.median),
      ]),
    ),
    '',
    '## Targets',
    '',
    ...table(
      ['Target', 'Limit (from this run’s baseline)', 'Ours', 'Result'],
      checks.map((c) => [c.target, c.format(c.limit), c.format(c.ours), verdict(c.ours <= c.limit)]),
    ),
  ].join('\n');
}

const perRound = (w: Window): string[] => [whole(w.serverCpu), whole(w.loadCpu), whole(w.otherCpu)];

function everyRound(input: ReportInput): string[] {
  return [
    ...table(
      ['#', 'Server', 'p50 ms', 'p99 ms', 'max ms', 'sent/s', 'samples', 'server %', 'load %', 'other %'],
      input.latency.map((r, i) => [
        i + 1,
        r.kind,
        ms(r.p50Ms),
        ms(r.p99Ms),
        ms(r.maxMs),
        whole(r.achievedRate),
        r.samples,
        ...perRound(r.window),
      ]),
    ),
    '',
    ...table(
      ['#', 'Server', 'msg/s', 'µs/msg', 'messages in window', 'server %', 'load %', 'other %'],
      input.saturation.map((r, i) => [
        i + 1,
        r.kind,
        whole(r.messagesPerSecond),
        one(r.usPerMessage),
        r.windowMessages,
        ...perRound(r.window),
      ]),
    ),
    '',
    ...table(
      ['#', 'Server', 'connections', 'RSS before MB', 'RSS after MB', 'KB/conn', 'heap KB/conn'],
      input.memory.map((r, i) => [
        i + 1,
        r.kind,
        r.connections,
        one(r.rssBeforeMb),
        one(r.rssAfterMb),
        fixed(2)(r.kbPerConnection),
        fixed(2)(r.heapKbPerConnection),
      ]),
    ),
  ];
}

export function renderReport(input: ReportInput): string {
  const { counts } = input;
  const lines = [
    ...reportHeader({
      title: 'Signaling server benchmarks',
      bench: 'signaling',
      date: input.machine.date,
      preface: [
        'The TURN relay against coturn: [benchmarks-turn.md](benchmarks-turn.md). ' +
          'The web client’s weight and join time:',
        '[benchmarks-web.md](benchmarks-web.md). `npm run bench` writes all three.',
      ],
      runtime: `${whole(input.wallSeconds)} s`,
    }),
    '',
    ...RUNNING,
    '',
    ...machineSection(input.machine),
    '',
    ...methodLines(input.counts),
    summaryTable(input),
    '',
    ...renderFlood(input.flood, counts.flood),
    '',
    '## For context: an earlier measurement on this machine (not this run)',
    '',
    ...table(
      ['Server', 'CPU per message', 'RSS per connection', 'p99 latency'],
      anchors.map((a) => [a.name, `${a.usPerMessage} µs`, `${a.kbPerConnection} KB`, a.p99]),
    ),
    '',
    '## Every round',
    '',
    'CPU columns are percent of one core over the measured window: the server, the load generator, and',
    'everything else on the machine. Each round started once other processes used at most ' +
      `${DISTURBED_CPU_PERCENT}% of a core`,
    `(this run waited ${whole(input.quietWaitSeconds)} s for that, of at most ${QUIET_WAIT_BUDGET_MS / 1000} s), ` +
      'and a round whose window still saw more',
    `was run again (at most ${RETRIES_PER_ROUND} times per round and ${MAX_RETRIES} per run; ` +
      'see the end of this file).',
    'The tables show only the rounds kept.',
    '',
    ...everyRound(input),
    '',
    '## Integrity',
    '',
    input.problems.length === 0
      ? 'Every signal sent was relayed and received (checked per round once in-flight signals drained); ' +
        'no error frames or unexpected closes.'
      : `**Failures** (the run exited non-zero):\n\n${input.problems.map((p) => `- ${p}`).join('\n')}`,
    ...(input.warnings.length === 0 ? [] : ['', '**Warnings:**', '', ...input.warnings.map((w) => `- ${w}`)]),
    '',
    '## Rounds run again',
    '',
    ...(input.retried.length === 0 ? ['None.'] : input.retried.map((r) => `- ${r}`)),
    '',
  ];
  return lines.join('\n');
}
