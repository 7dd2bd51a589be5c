/**
 * Renders docs/benchmarks-turn.md from one bench run: medians per relay and
 * scenario, ratios, the targets, where datagrams were dropped, every run.
 */
import {
  cell,
  fixed,
  integer,
  machineSection,
  ratio,
  reportHeader,
  table,
  verdict,
  type Format,
} from '../lib/markdown.js';
import { compare } from '../lib/rounds.js';
import type { MachineDuringRun } from '../lib/machine.js';
import { QUIET_CPU_PERCENT, QUIET_WAIT_BUDGET_MS, anchors, scenarios, targets } from './params.js';
import { methodSections } from './report-method.js';
import { IDLE_WINDOW_MS, type Round } from './round.js';
import type { SocketOwner } from './sampler.js';
import type { ServerName } from './servers.js';
import { uclientFlags } from './uclient.js';

export interface ReportInput {
  date: string;
  machine: MachineDuringRun & { coturn: string };
  /** Pairs of runs per scenario, which BENCH_ROUNDS may have lowered. */
  pairs: number;
  rounds: Round[];
  /** Each relay's CPU while idle, µs per second (see measureIdle). */
  idleMicrosPerSecond: Record<ServerName, number>;
  peakRssMb: Record<ServerName, number>;
  runtimeSeconds: number;
}

interface Metric {
  label: string;
  value: (round: Round) => number;
  format: Format;
}

/** The run's CPU less what the relay would have burnt idle for as long: the cost of the traffic itself. */
function busyMicrosPerEcho(r: Round, idle: Record<ServerName, number>): number {
  return (r.cpuMicros - idle[r.server] * (r.uclient.wallMs / 1000)) / r.uclient.received;
}

function metrics(idle: Record<ServerName, number>): Metric[] {
  return [
    { label: 'Echo msg/s while delivering', value: (r) => r.echoesPerSecond, format: integer },
    { label: 'Echo msg/s over uclient wall time', value: (r) => r.echoesPerWallSecond, format: integer },
    { label: 'Loss (%)', value: (r) => r.uclient.lossPercent, format: fixed(2) },
    { label: 'RTT average (ms)', value: (r) => r.uclient.rttAvgMs, format: fixed(1) },
    { label: 'RTT min (ms)', value: (r) => r.uclient.rttMinMs, format: integer },
    { label: 'RTT max (ms)', value: (r) => r.uclient.rttMaxMs, format: integer },
    { label: 'Relay CPU per echo (µs)', value: (r) => r.cpuMicrosPerEcho, format: fixed(1) },
    { label: '… of which user space (µs)', value: (r) => r.userMicros / r.uclient.received, format: fixed(1) },
    { label: '… idle CPU subtracted (µs)', value: (r) => busyMicrosPerEcho(r, idle), format: fixed(1) },
    {
      label: 'Echoes one core could carry at that cost (1 s ÷ idle-subtracted CPU per echo)',
      value: (r) => 1e6 / busyMicrosPerEcho(r, idle),
      format: integer,
    },
    { label: 'Relay wake-ups per echo', value: (r) => r.wakeups / r.uclient.received, format: fixed(2) },
    { label: 'Other processes’ CPU during the run (% of a core)', value: (r) => r.otherCpuPercent, format: integer },
  ];
}

const of = (rounds: Round[], scenario: string, server: ServerName) =>
  rounds.filter((r) => r.scenario === scenario && r.server === server);

/** coturn is the reference of every ratio, measured in the same run. */
const RELAYS = { reference: 'coturn', subject: 'ours' } as const;

/** One metric of one scenario, coturn's rounds against ours. */
const compareIn = (rounds: Round[], scenario: string, value: (r: Round) => number) =>
  compare(
    rounds.filter((r) => r.scenario === scenario),
    (r) => r.server,
    RELAYS,
    value,
  );

interface Verdict {
  scenario: string;
  target: string;
  coturn: string;
  ours: string;
  pass: boolean;
}

function verdicts(rounds: Round[]): Verdict[] {
  const list: Verdict[] = [];
  for (const { name } of scenarios) {
    const medians = (value: (r: Round) => number) => {
      const { reference, subject } = compareIn(rounds, name, value);
      return { coturn: reference.median, ours: subject.median };
    };
    const rate = medians((r) => r.echoesPerSecond);
    const loss = medians((r) => r.uclient.lossPercent);
    const cpu = medians((r) => r.cpuMicrosPerEcho);
    list.push({
      scenario: name,
      target: `echo rate ≥ ${targets.minRateRatio}× coturn’s, loss ≤ ${targets.maxLossRatio}× coturn’s`,
      coturn: `${integer(rate.coturn)} msg/s, ${fixed(2)(loss.coturn)} %`,
      ours: `${integer(rate.ours)} msg/s (${ratio(rate.ours, rate.coturn)}×), ${fixed(2)(loss.ours)} %`,
      pass: rate.ours >= targets.minRateRatio * rate.coturn && loss.ours <= targets.maxLossRatio * loss.coturn,
    });
    list.push({
      scenario: name,
      target: `CPU per echo ≤ ${targets.maxCpuRatio}× coturn’s`,
      coturn: `${fixed(1)(cpu.coturn)} µs`,
      ours: `${fixed(1)(cpu.ours)} µs (${ratio(cpu.ours, cpu.coturn)}×)`,
      pass: cpu.ours <= targets.maxCpuRatio * cpu.coturn,
    });
  }
  return list;
}

/** The tables a reader needs first; also printed on the console at the end of a run. */
export function summaryTable(input: ReportInput): string {
  const out: string[] = [];
  for (const { name, params } of scenarios) {
    const runs = of(input.rounds, name, 'coturn').length;
    out.push(`### ${name} (\`${uclientFlags(params).join(' ')}\`, ${runs} runs per relay)`, '');
    const rows = metrics(input.idleMicrosPerSecond).map((metric) => {
      const { reference, subject } = compareIn(input.rounds, name, metric.value);
      const cells = [cell(reference, metric.format), cell(subject, metric.format)];
      return [metric.label, ...cells, ratio(subject.median, reference.median)];
    });
    out.push(...table(['Metric', 'coturn', 'ours', 'ours / coturn'], rows), '');
  }
  const idle = input.idleMicrosPerSecond;
  out.push(
    `Idle CPU (no traffic, ${IDLE_WINDOW_MS / 1000} s): coturn ${(idle.coturn / 1000).toFixed(1)} ms/s, ` +
      `ours ${(idle.ours / 1000).toFixed(1)} ms/s.`,
    '',
  );
  const rss = input.peakRssMb;
  out.push(
    `Peak RSS (VmHWM over the whole bench, warm-up included): coturn ${rss.coturn.toFixed(1)} MB, ` +
      `ours ${rss.ours.toFixed(1)} MB (${ratio(rss.ours, rss.coturn)}×).`,
    '',
  );
  out.push(
    ...table(
      ['Scenario', 'Target', 'coturn', 'ours', 'Result'],
      verdicts(input.rounds).map((v) => [v.scenario, v.target, v.coturn, v.ours, verdict(v.pass)]),
    ),
  );
  return out.join('\n');
}

function dropsTable(rounds: Round[]): string[] {
  const owners: SocketOwner[] = ['relay listener', 'relayed sockets', 'peer', 'uclient'];
  const rows: string[][] = [];
  for (const { name } of scenarios) {
    for (const server of ['coturn', 'ours'] as const) {
      const runs = of(rounds, name, server);
      const sum = (value: (r: Round) => number) => integer(runs.reduce((total, r) => total + value(r), 0));
      rows.push([
        name,
        server,
        sum((r) => r.uclient.sent),
        sum((r) => r.uclient.lost),
        ...owners.map((owner) => sum((r) => r.observed.drops[owner])),
      ]);
    }
  }
  return table(['Scenario', 'Relay', 'Sent', 'Lost (uclient)', ...owners.map((o) => `Dropped at ${o}`)], rows);
}

function everyRun(rounds: Round[]): string[] {
  const header = [
    '#',
    'Scenario',
    'Relay',
    'Sent',
    'Received',
    'Loss %',
    'Delivering (ms)',
    'Bursts',
    'Echo msg/s',
    'Wall (s)',
    'RTT avg/min/max (ms)',
    'Relay CPU (ms)',
    'µs/echo',
    'Other CPU %',
  ];
  return table(
    header,
    rounds.map((r, index) => {
      const u = r.uclient;
      return [
        `${index + 1}${r.rerun ? ' (run again)' : ''}`,
        r.scenario,
        r.server,
        u.sent,
        u.received,
        u.lossPercent.toFixed(2),
        r.observed.deliveringMs.toFixed(0),
        r.observed.bursts,
        integer(r.echoesPerSecond),
        (u.wallMs / 1000).toFixed(1),
        `${u.rttAvgMs.toFixed(1)}/${u.rttMinMs}/${u.rttMaxMs}`,
        (r.cpuMicros / 1000).toFixed(0),
        r.cpuMicrosPerEcho.toFixed(1),
        r.otherCpuPercent.toFixed(0),
      ];
    }),
  );
}

export function renderReport(input: ReportInput): string {
  const m = input.machine;
  const header = reportHeader({
    title: 'TURN relay benchmarks: our relay against coturn',
    bench: 'turn',
    date: input.date,
    runtime: `${input.runtimeSeconds.toFixed(0)} s`,
  });
  const machine = machineSection(m, [
    ['coturn', `${m.coturn} (Debian's \`turnserver\`, \`turnutils_uclient\`, \`turnutils_peer\`)`],
    ['Code measured', m.revision],
    ['Load average (1, 5, 15 min)', `${m.loadAtStart} at the start, ${m.loadAtEnd} at the end`],
    ['Waited for a quiet machine', `${(m.quietWaitMs / 1000).toFixed(1)} s in all`],
  ]);
  const anchorTable = table(
    ['Relay', 'Echo msg/s', 'Loss %', 'CPU µs per echo'],
    anchors.map((a) => [a.server, integer(a.echoesPerSecond), a.lossPercent, a.cpuMicrosPerEcho]),
  );
  return `${header.join('\n')}

${machine.join('\n')}

The machine is shared: before each run the bench waits until other processes use at most
${QUIET_CPU_PERCENT} % of a core (at most ${QUIET_WAIT_BUDGET_MS / 1000} s per bench run), and every run records \
how much CPU
other processes took while it ran (“other CPU” below). Everything here (two relays, peer, uclient, this
orchestrator) shares the ${m.nproc} cores.

${methodSections(input.pairs)}

## Results (median, min–max in brackets)

${summaryTable(input)}

## Where datagrams were dropped (summed over the runs)

${dropsTable(input.rounds).join('\n')}

## Every run

${everyRun(input.rounds).join('\n')}

## Earlier anchors (an earlier measurement, not this run)

Context only, from an earlier measurement with 20 clients whose exact method is not this bench’s:

${anchorTable.join('\n')}
`;
}
