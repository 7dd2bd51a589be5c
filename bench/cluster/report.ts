/**
 * Renders the cluster bench's section of docs/benchmarks.md: single-node
 * against cross-node from one run, the ratios, the targets of issue 14, and
 * every round so the spread shows.
 */
import type { MachineDuringRun } from '../lib/machine.js';
import { bullets, cell, fixed, ratio, table, verdict, type Format } from '../lib/markdown.js';
import { compare, type Comparison } from '../lib/rounds.js';
import { CANDIDATE_BYTES, CONNECT_BATCH } from '../signaling/params.js';
import { candidateFrameBytes } from './clients.js';
import type { LatencyRound, MemoryRound, NodeMemory } from './measure.js';
import {
  DISTURBED_CPU_PERCENT,
  MAX_RETRIES,
  RAISED_LIMITS,
  RETRIES_PER_ROUND,
  latency,
  memory,
  targets,
  type Topology,
} from './params.js';
import { REDIS_SERVER } from './redis.js';

export interface ClusterReport {
  machine: MachineDuringRun;
  /** Rounds run per topology, which BENCH_ROUNDS may have lowered. */
  counts: { latency: number; memory: number };
  latency: LatencyRound[];
  memory: MemoryRound[];
  problems: string[];
  warnings: string[];
  /** Disturbed rounds that were discarded and run again. */
  retried: string[];
  buildSeconds: number;
  wallSeconds: number;
}

const ms = fixed(3);
const one = fixed(1);
const two = fixed(2);
const whole = fixed(0);

interface Row extends Comparison {
  label: string;
  format: Format;
}

function row<R extends { topology: Topology }>(
  label: string,
  rounds: readonly R[],
  pick: (round: R) => number,
  format: Format,
): Row {
  const topologyOf = (round: R): Topology => round.topology;
  return { label, format, ...compare(rounds, topologyOf, { reference: 'single', subject: 'cross' }, pick) };
}

/** One node's memory in a round: node 1 is the single node in single-node rounds. */
const onNode = (index: number, pick: (node: NodeMemory) => number) => (round: MemoryRound) => {
  const node = round.nodes[index];
  return node === undefined ? Number.NaN : pick(node);
};

/** The results and the targets: what a reader needs first, also printed at the end of a run. */
export function summaryTable(input: Pick<ClusterReport, 'latency' | 'memory'>): string {
  const at = `at ${latency.ratePerSecond} msg/s`;
  const p99 = row(`Latency p99 ${at} (ms)`, input.latency, (r) => r.p99Ms, ms);
  const cpu = row('CPU per relayed message, nodes + Redis (µs)', input.latency, (r) => r.usPerMessage, one);
  const rows = [
    row(`Latency p50 ${at} (ms)`, input.latency, (r) => r.p50Ms, ms),
    p99,
    row(`Latency max ${at} (ms)`, input.latency, (r) => r.maxMs, ms),
    cpu,
    row('… of which the nodes (µs)', input.latency, (r) => r.nodesUsPerMessage, one),
    row('… of which Redis (µs)', input.latency, (r) => r.redisUsPerMessage, one),
    row('… of which in the kernel, all processes (µs)', input.latency, (r) => r.kernelUsPerMessage, one),
    row('read/write system calls per relayed message', input.latency, (r) => r.syscallsPerMessage, two),
    row('Wake-ups (voluntary context switches) per relayed message', input.latency, (r) => r.wakeUpsPerMessage, two),
    row('Server processes’ CPU in the window (% of a core)', input.latency, (r) => r.cpu.serverCpu, one),
    row('Memory per connection, nodes’ RSS + Redis RSS (KB)', input.memory, (r) => r.totalKbPerConnection, two),
    row(
      'Node 1 (or the single node): RSS growth per connection on it (KB)',
      input.memory,
      onNode(0, (n) => n.kbPerConnection),
      two,
    ),
    row(
      'Node 2: RSS growth per connection on it (KB)',
      input.memory,
      onNode(1, (n) => n.kbPerConnection),
      two,
    ),
    row(
      'Node 1 (or the single node): JS heap growth per connection on it (KB)',
      input.memory,
      onNode(0, (n) => n.heapKbPerConnection),
      two,
    ),
    row(
      'Node 2: JS heap growth per connection on it (KB)',
      input.memory,
      onNode(1, (n) => n.heapKbPerConnection),
      two,
    ),
    row('Redis used_memory per connection (KB)', input.memory, (r) => r.redis?.usedKbPerConnection ?? NaN, two),
    row('Redis RSS growth per connection (KB)', input.memory, (r) => r.redis?.rssKbPerConnection ?? NaN, two),
  ];
  const cpuRatio = cpu.subject.median / cpu.reference.median;
  return [
    '### Results (median over rounds, min–max in brackets)',
    '',
    ...table(
      ['Metric', 'Single node', 'Cross-node (2 nodes + Redis)', 'Cross / single'],
      rows.map((r) => [
        r.label,
        cell(r.reference, r.format),
        cell(r.subject, r.format),
        ratio(r.subject.median, r.reference.median),
      ]),
    ),
    '',
    '### Targets (issue 14)',
    '',
    ...table(
      ['Target', 'Measured', 'Result'],
      [
        [
          `Cross-node p99 ≤ ${targets.crossP99Ms} ms on loopback`,
          `${ms(p99.subject.median)} ms`,
          verdict(p99.subject.median <= targets.crossP99Ms),
        ],
        [
          `CPU per message (nodes + Redis) ≤ ${targets.cpuPerMessageRatio} × single-node`,
          `${ratio(cpu.subject.median, cpu.reference.median)} × (${one(cpu.subject.median)} ÷ ${one(cpu.reference.median)} µs)`,
          verdict(cpuRatio <= targets.cpuPerMessageRatio),
        ],
      ],
    ),
  ].join('\n');
}

function method(input: ClusterReport): string[] {
  const limits = Object.entries(RAISED_LIMITS)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');
  return [
    '### Method',
    '',
    ...bullets([
      '**Nodes**: server/main.ts compiled by tsc with the project’s tsconfig (the JavaScript ' +
        '`npx tsc -p tsconfig.build.json` writes to dist/, here into dist/bench-cluster), ' +
        'run by plain `node --expose-gc` with bench/cluster/probe.ts preloaded to answer usage requests over IPC. ' +
        `LOG_LEVEL=warn and the limits raised as the signaling bench raises them: ${limits}. ` +
        'Fresh processes every round, SIGKILLed after it.',
      '**Single node**: one node, REDIS_URL unset; both peers of every room on it.',
      `**Cross-node**: ${REDIS_SERVER} (Debian’s) on a loopback port from test/helpers/ports.ts, no ` +
        'persistence; two nodes with REDIS_URL, their own NODE_ID and one SESSION_SECRET. Every room’s first ' +
        'peer joins node 1 and its second node 2, so every signal, `peer-joined` and `welcome` crosses Redis.',
      `**Latency and CPU** (${input.counts.latency} rounds per topology): ${latency.rooms} rooms × 2 clients in ` +
        `one generator process, ${latency.ratePerSecond} signals/s in total on a 1 ms timer schedule, ` +
        `round-robin over the clients; every signal an ICE candidate (a ${CANDIDATE_BYTES}-character ` +
        `\`candidate\` string, ${candidateFrameBytes()}-byte frame) carrying its send time; ` +
        `${latency.warmupMs / 1000} s warm-up, then ${latency.measureMs / 1000} s measured. One-way latency = ` +
        'receive time − send time, both from the generator’s clock; p50/p99 from bench/lib/stats.ts.',
      '**CPU per relayed message**: utime + stime of every node and of redis-server, from /proc/<pid>/stat ' +
        '(10 ms ticks), read at the start and end of the measured window, summed, ÷ the signals sent in ' +
        'the window and delivered; the kernel’s part is stime. System calls: syscr + syscw of ' +
        '/proc/<pid>/io (read()/write()-family calls); wake-ups: voluntary context switches of all threads ' +
        '(/proc/<pid>/task/*/status), about one per turn of an event loop that found work; both summed ' +
        'the same way. The same window’s CPU of the generator and ' +
        'of everything else is in “Every round”. `npx tsx bench/cluster/profile.ts cross` runs one such ' +
        'round with node 1 under `--cpu-prof` and prints its self time by module and function.',
      `**Memory** (${input.counts.memory} rounds per topology): ${memory.rooms} rooms × 2 = ` +
        `${2 * memory.rooms} joined connections, set up ${CONNECT_BATCH} sockets at a time; across two nodes ` +
        `${memory.rooms} on each. Each node’s RSS and heap after GC, an idle pause and GC again (the ` +
        'signaling bench’s settle), read before connecting and once all have joined; growth ÷ that node’s ' +
        'connections. Redis: growth of INFO memory’s used_memory and of its VmRSS ÷ all connections. ' +
        '“Nodes’ RSS + Redis RSS” = the growth of all of them ÷ all connections.',
    ]),
  ];
}

function everyRound(input: ClusterReport): string[] {
  return [
    ...table(
      [
        '#',
        'Topology',
        'p50 ms',
        'p99 ms',
        'max ms',
        'sent/s',
        'samples',
        'µs/msg',
        'CPU µs by process (kernel part, read/write calls, wake-ups)',
        'server %',
        'load %',
        'other %',
      ],
      input.latency.map((r, i) => [
        i + 1,
        r.topology,
        ms(r.p50Ms),
        ms(r.p99Ms),
        ms(r.maxMs),
        whole(r.achievedRate),
        r.samples,
        one(r.usPerMessage),
        r.cpu.byProcess
          .map(
            (p) =>
              `${p.name} ${whole(p.micros)} (${whole(p.systemMicros)} sys, ${p.syscalls} calls, ${p.wakeUps} wake-ups)`,
          )
          .join(', '),
        whole(r.cpu.serverCpu),
        whole(r.cpu.loadCpu),
        whole(r.cpu.otherCpu),
      ]),
    ),
    '',
    ...table(
      [
        '#',
        'Topology',
        'connections',
        'per node: RSS before → after MB, KB/conn, heap KB/conn',
        'Redis used KB/conn',
        'Redis RSS KB/conn',
        'all KB/conn',
      ],
      input.memory.map((r, i) => [
        i + 1,
        r.topology,
        r.connections,
        r.nodes
          .map(
            (n) =>
              `${n.id}: ${one(n.rssBeforeMb)} → ${one(n.rssAfterMb)}, ${two(n.kbPerConnection)}, ${two(n.heapKbPerConnection)}`,
          )
          .join('; '),
        r.redis === undefined ? '–' : two(r.redis.usedKbPerConnection),
        r.redis === undefined ? '–' : two(r.redis.rssKbPerConnection),
        two(r.totalKbPerConnection),
      ]),
    ),
  ];
}

export function renderSection(input: ClusterReport): string {
  const { machine } = input;
  return [
    '## Cross-node against single-node (shared mode)',
    '',
    `Written by \`npm run bench -- cluster\` (bench/cluster/) on ${machine.date}, into this section only; ` +
      'rerun it rather than editing it.',
    `The whole run took ${whole(input.wallSeconds)} s, ${whole(input.buildSeconds)} s of it compiling the server.`,
    '',
    ...table(
      ['Machine', ''],
      [
        ['CPU', machine.cpu],
        ['nproc', machine.nproc],
        ['Node', machine.node],
        ['Code measured', machine.revision],
        ['Load average at start / end', `${machine.loadAtStart} / ${machine.loadAtEnd}`],
        ['Waited for a quiet machine', `${whole(machine.quietWaitMs / 1000)} s`],
      ],
    ),
    '',
    'Two cores run the nodes, Redis and the generator together, so cross-node rounds share the cores among ' +
      'four busy processes where single-node rounds share them among two.',
    '',
    summaryTable(input),
    '',
    ...method(input),
    '',
    '### Every round',
    '',
    'CPU columns are percent of one core over the measured window: all server processes (nodes and Redis), ' +
      `the generator, and everything else. A latency round in which everything else took more than ` +
      `${DISTURBED_CPU_PERCENT}% was run again (at most ${RETRIES_PER_ROUND} times per round and ${MAX_RETRIES} ` +
      'per run; listed at the end). The tables show the rounds kept.',
    '',
    ...everyRound(input),
    '',
    '### Integrity',
    '',
    input.problems.length === 0
      ? 'Every signal sent was relayed and received; no error frames, unexpected closes or failed rounds.'
      : `**Failures** (the run exited non-zero):\n\n${bullets(input.problems).join('\n')}`,
    ...(input.warnings.length === 0 ? [] : ['', '**Warnings:**', '', ...bullets(input.warnings)]),
    '',
    '### Rounds run again',
    '',
    ...(input.retried.length === 0 ? ['None.'] : bullets(input.retried)),
  ].join('\n');
}
