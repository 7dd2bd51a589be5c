/**
 * One round of each workload against a deployment, and what it measured:
 * latency with the CPU of every server process over the same window (from
 * /proc, the nodes and Redis alike), and memory per joined connection.
 */
import { readFileSync } from 'node:fs';
import type { LatencyResult, Mark, MemoryResult } from '../signaling/ipc.js';
import { cpuTimes, machineBusyMicros } from '../lib/machine.js';
import { voluntarySwitches } from '../turn/procfs.js';
import type { Deployment } from './deployment.js';
import { marked, runLoad } from './load.js';
import { memory, type Topology } from './params.js';

const KB = 1024;
const MB = 1024 * 1024;

interface Counters {
  user: number;
  system: number;
  /** read() and write() family system calls so far (syscr + syscw of /proc/<pid>/io). */
  syscalls: number;
  /** Times a thread blocked, about one per wake-up of an event loop: the cost a relay pays per batch. */
  wakeUps: number;
}

const NONE: Counters = { user: 0, system: 0, syscalls: 0, wakeUps: 0 };

/** A process that has died counts nothing from then on; the round fails on its own for the lost messages. */
function countersOf(pid: number): Counters {
  try {
    const io = readFileSync(`/proc/${pid}/io`, 'utf8');
    const count = (name: string): number => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(io)?.[1] ?? 0);
    return { ...cpuTimes(pid), syscalls: count('syscr') + count('syscw'), wakeUps: voluntarySwitches(pid) };
  } catch {
    return NONE;
  }
}

interface CpuSample {
  atMs: number;
  /** CLOCK_MONOTONIC, V8's clock too, in µs: where the window lies in a --cpu-prof profile. */
  monotonicMicros: number;
  /** Each of the deployment's processes, in its order. */
  processes: Counters[];
  load: number;
  machine: number;
}

export interface CpuWindow {
  elapsedMs: number;
  /** The window on CLOCK_MONOTONIC in µs, the clock of a --cpu-prof profile's timestamps (profile.ts). */
  monotonic: { from: number; to: number };
  /** µs of CPU over the window per server process (nodes, then Redis). */
  byProcess: Array<{ name: string; micros: number; systemMicros: number; syscalls: number; wakeUps: number }>;
  /** Percent of one core: all server processes together, the load generator, everything else. */
  serverCpu: number;
  loadCpu: number;
  otherCpu: number;
}

export interface LatencyRound {
  topology: Topology;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  achievedRate: number;
  /** Signals sent in the window and delivered: the messages the window's CPU relayed. */
  samples: number;
  /** All server processes' CPU ÷ messages relayed, in µs; and the nodes' and Redis's parts of it. */
  usPerMessage: number;
  nodesUsPerMessage: number;
  redisUsPerMessage: number;
  /** The kernel's part (stime) of usPerMessage: system calls and, on loopback, the network stack. */
  kernelUsPerMessage: number;
  /**
   * read() and write() family system calls of all server processes per relayed message: the work that
   * the messages' count, rather than their size, drives, and that batching would save.
   */
  syscallsPerMessage: number;
  /** Voluntary context switches of all server processes per relayed message. */
  wakeUpsPerMessage: number;
  cpu: CpuWindow;
}

export interface NodeMemory {
  id: string;
  connections: number;
  rssBeforeMb: number;
  rssAfterMb: number;
  kbPerConnection: number;
  heapKbPerConnection: number;
}

export interface MemoryRound {
  topology: Topology;
  connections: number;
  nodes: NodeMemory[];
  /** Growth of Redis's used_memory and of its RSS, per joined connection (cross-node only). */
  redis: { usedKbPerConnection: number; rssKbPerConnection: number; usedAfterMb: number } | undefined;
  /** Every node's RSS growth plus Redis's, per connection: what the deployment pays for one. */
  totalKbPerConnection: number;
}

export interface Checked<T> {
  round: T;
  /** Lost or unexpected messages: the numbers of such a round mean nothing, and the run fails. */
  problems: string[];
}

function integrity(where: string, result: { sent?: number; received?: number; unexpected: string[] }): string[] {
  const problems = result.unexpected.map((what) => `${where}: unexpected ${what}`);
  if (result.sent !== undefined && result.received !== undefined && result.sent !== result.received) {
    problems.push(`${where}: sent ${result.sent} signals, received ${result.received}`);
  }
  return problems;
}

export async function latencyRound(deployment: Deployment, where: string): Promise<Checked<LatencyRound>> {
  const processes = deployment.processes;
  const sample = async (mark: Mark): Promise<CpuSample> => ({
    atMs: performance.now(),
    monotonicMicros: Number(process.hrtime.bigint() / 1000n),
    processes: processes.map(({ pid }) => countersOf(pid)),
    load: mark.cpuMicros,
    machine: machineBusyMicros(),
  });
  const { result, marks } = await runLoad<LatencyResult, CpuSample>('./load-latency.ts', deployment.ports, sample);
  const start = marked(marks, 'start', where);
  const end = marked(marks, 'end', where);
  const elapsedMs = end.atMs - start.atMs;
  const byProcess = processes.map(({ name }, i) => {
    const [from = NONE, to = NONE] = [start.processes[i], end.processes[i]];
    return {
      name,
      micros: to.user + to.system - from.user - from.system,
      systemMicros: to.system - from.system,
      syscalls: to.syscalls - from.syscalls,
      wakeUps: to.wakeUps - from.wakeUps,
    };
  });
  const serverMicros = byProcess.reduce((sum, { micros }) => sum + micros, 0);
  const kernelMicros = byProcess.reduce((sum, { systemMicros }) => sum + systemMicros, 0);
  const redisMicros = byProcess.find(({ name }) => name === 'redis')?.micros ?? 0;
  const loadMicros = end.load - start.load;
  const percent = (micros: number): number => (micros / (elapsedMs * 1000)) * 100;
  const { p50Ms, p99Ms, maxMs, achievedRate, samples } = result;
  return {
    round: {
      topology: deployment.topology,
      p50Ms,
      p99Ms,
      maxMs,
      achievedRate,
      samples,
      usPerMessage: serverMicros / samples,
      nodesUsPerMessage: (serverMicros - redisMicros) / samples,
      redisUsPerMessage: redisMicros / samples,
      kernelUsPerMessage: kernelMicros / samples,
      syscallsPerMessage: byProcess.reduce((sum, { syscalls }) => sum + syscalls, 0) / samples,
      wakeUpsPerMessage: byProcess.reduce((sum, { wakeUps }) => sum + wakeUps, 0) / samples,
      cpu: {
        elapsedMs,
        monotonic: { from: start.monotonicMicros, to: end.monotonicMicros },
        byProcess,
        serverCpu: percent(serverMicros),
        loadCpu: percent(loadMicros),
        // Tick-granular and read a moment apart from the process counters, so it can dip below zero.
        otherCpu: Math.max(0, percent(end.machine - start.machine - serverMicros - loadMicros)),
      },
    },
    problems: integrity(where, result),
  };
}

interface MemorySample {
  nodes: Array<{ rss: number; heapUsed: number }>;
  redis: { usedBytes: number; rssBytes: number } | undefined;
}

export async function memoryRound(deployment: Deployment, where: string): Promise<Checked<MemoryRound>> {
  // One node after the other: settling GCs, and two at once would share the cores with each other.
  const sample = async (): Promise<MemorySample> => {
    const nodes: MemorySample['nodes'] = [];
    for (const node of deployment.nodes) nodes.push(await node.usage(true));
    return { nodes, redis: await deployment.redis?.memory() };
  };
  const { result, marks } = await runLoad<MemoryResult, MemorySample>('./load-memory.ts', deployment.ports, sample);
  const start = marked(marks, 'start', where);
  const end = marked(marks, 'end', where);
  const { connections } = result;
  const perNode = connections / deployment.nodes.length;
  const nodes = deployment.nodes.map((node, i): NodeMemory => {
    const before = start.nodes[i] ?? { rss: Number.NaN, heapUsed: Number.NaN };
    const after = end.nodes[i] ?? { rss: Number.NaN, heapUsed: Number.NaN };
    return {
      id: node.id,
      connections: perNode,
      rssBeforeMb: before.rss / MB,
      rssAfterMb: after.rss / MB,
      kbPerConnection: (after.rss - before.rss) / KB / perNode,
      heapKbPerConnection: (after.heapUsed - before.heapUsed) / KB / perNode,
    };
  });
  const redis =
    start.redis === undefined || end.redis === undefined
      ? undefined
      : {
          usedKbPerConnection: (end.redis.usedBytes - start.redis.usedBytes) / KB / connections,
          rssKbPerConnection: (end.redis.rssBytes - start.redis.rssBytes) / KB / connections,
          usedAfterMb: end.redis.usedBytes / MB,
        };
  const nodesKb = nodes.reduce((sum, node) => sum + node.kbPerConnection * node.connections, 0);
  const problems = integrity(where, result);
  if (connections !== 2 * memory.rooms)
    problems.push(`${where}: ${connections} connections joined, not ${2 * memory.rooms}`);
  return {
    round: {
      topology: deployment.topology,
      connections,
      nodes,
      redis,
      totalKbPerConnection: (nodesKb + (redis?.rssKbPerConnection ?? 0) * connections) / connections,
    },
    problems,
  };
}
