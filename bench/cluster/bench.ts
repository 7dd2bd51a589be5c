/**
 * `npm run bench -- cluster`: single-node against cross-node, in one run,
 * rounds alternating, each against fresh processes: latency and CPU per
 * relayed message at the signaling bench's latency workload, then memory per
 * connection with 10 000 connections. Writes its section of
 * docs/benchmarks.md. Lost messages fail the run; a missed target is reported.
 */
import { readFileSync } from 'node:fs';
import { roundCount, type Bench } from '../lib/bench.js';
import { QuietBudget, describeMachine, loadAverage } from '../lib/machine.js';
import { describeRevision } from '../lib/revision.js';
import { alternate } from '../lib/rounds.js';
import { buildServer, type Built } from './build.js';
import { Deployment } from './deployment.js';
import { latencyRound, memoryRound, type Checked } from './measure.js';
import {
  DISTURBED_CPU_PERCENT,
  MAX_RETRIES,
  OPEN_FILES_NEEDED,
  QUIET_WAIT_BUDGET_MS,
  RETRIES_PER_ROUND,
  VARIANTS,
  latency,
  memory,
  type Topology,
} from './params.js';
import { renderSection, summaryTable, type ClusterReport } from './report.js';

const LABEL_WIDTH = 30;

/** The soft limit on open files this process's children inherit. */
function openFileLimit(): number {
  const soft = /^Max open files\s+(\S+)/m.exec(readFileSync('/proc/self/limits', 'utf8'))?.[1];
  return soft === undefined || soft === 'unlimited' ? Number.POSITIVE_INFINITY : Number(soft);
}

class Run {
  readonly problems: string[] = [];
  readonly warnings: string[] = [];
  /** Rounds thrown away as disturbed; the report lists them so nothing is hidden. */
  readonly retried: string[] = [];
  readonly quiet = new QuietBudget(DISTURBED_CPU_PERCENT, QUIET_WAIT_BUDGET_MS);
  private retriesLeft = MAX_RETRIES;

  constructor(private readonly built: Built) {}

  /**
   * `count` rounds per topology, alternating, each against fresh processes started once the machine is
   * quiet. A round whose window saw other processes use more than DISTURBED_CPU_PERCENT of a core
   * (`other`) is run again while the signaling bench's retry budgets last. A round that fails (a node
   * that does not start, a setup that times out) is a problem, and the series goes on, so one broken
   * topology still leaves the other's numbers.
   */
  async series<T>(
    workload: string,
    count: number,
    one: (deployment: Deployment, where: string) => Promise<Checked<T>>,
    describe: (round: T) => string,
    other: (round: T) => number = () => 0,
  ): Promise<T[]> {
    const kept: T[] = [];
    const order = alternate<Topology>(VARIANTS, count);
    for (const [index, topology] of order.entries()) {
      const where = `${workload} round ${index + 1}/${order.length} (${topology})`;
      for (let attempt = 0; ; attempt += 1) {
        const checked = await this.once(topology, where, one);
        if (checked === undefined) break;
        console.log(`${where.padEnd(LABEL_WIDTH)} ${describe(checked.round)}`);
        const disturbed = other(checked.round);
        if (disturbed <= DISTURBED_CPU_PERCENT || this.retriesLeft === 0 || attempt === RETRIES_PER_ROUND) {
          if (disturbed > DISTURBED_CPU_PERCENT) {
            this.warnings.push(`${where}: other processes used ${disturbed.toFixed(0)}% of a core; kept`);
          }
          this.problems.push(...checked.problems);
          kept.push(checked.round);
          break;
        }
        this.retriesLeft -= 1;
        this.retried.push(`${where}: other processes used ${disturbed.toFixed(0)}% of a core`);
        console.log(`${''.padEnd(LABEL_WIDTH)} disturbed; running it again`);
      }
    }
    return kept;
  }

  private async once<T>(
    topology: Topology,
    where: string,
    one: (deployment: Deployment, where: string) => Promise<Checked<T>>,
  ): Promise<Checked<T> | undefined> {
    const waited = await this.quiet.wait();
    if (waited > 0) console.log(`${where.padEnd(LABEL_WIDTH)} waited ${(waited / 1000).toFixed(1)} s for quiet`);
    let deployment: Deployment | undefined;
    try {
      deployment = await Deployment.start(topology, this.built);
      return await one(deployment, where);
    } catch (error) {
      const logs =
        deployment?.nodes
          .map((node) => node.logs())
          .join('\n')
          .slice(-1500) ?? '';
      const message = `${where}: ${(error as Error).message}`;
      console.log(`${where.padEnd(LABEL_WIDTH)} FAILED ${message}${logs === '' ? '' : `\n${logs}`}`);
      this.problems.push(message);
      return undefined;
    } finally {
      await deployment?.close();
    }
  }
}

export const clusterBench: Bench<ClusterReport> = {
  name: 'cluster',
  file: 'benchmarks.md',
  section: 'cluster',

  async rounds(settings) {
    const began = performance.now();
    const limit = openFileLimit();
    if (limit < OPEN_FILES_NEEDED) {
      throw new Error(`ulimit -n is ${limit}; the memory rounds need ${OPEN_FILES_NEEDED} (raise it and rerun)`);
    }
    const loadAtStart = loadAverage();
    const buildBegan = performance.now();
    const run = new Run(buildServer());
    const buildSeconds = (performance.now() - buildBegan) / 1000;
    const counts = { latency: roundCount(settings, latency.rounds), memory: roundCount(settings, memory.rounds) };

    const latencyRounds = await run.series(
      'latency',
      counts.latency,
      latencyRound,
      (r) =>
        `p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  ${r.usPerMessage.toFixed(1)} µs/msg  ` +
        `cpu: server ${r.cpu.serverCpu.toFixed(0)}% load ${r.cpu.loadCpu.toFixed(0)}% other ${r.cpu.otherCpu.toFixed(0)}%`,
      (r) => r.cpu.otherCpu,
    );
    for (const round of latencyRounds) {
      if (round.achievedRate < 0.95 * latency.ratePerSecond) {
        run.warnings.push(`latency (${round.topology}): the generator sent only ${round.achievedRate.toFixed(0)}/s`);
      }
    }
    const memoryRounds = await run.series(
      'memory',
      counts.memory,
      memoryRound,
      (r) =>
        `${r.connections} conns  ${r.totalKbPerConnection.toFixed(2)} KB/conn in all  ` +
        r.nodes.map((n) => `${n.id} ${n.kbPerConnection.toFixed(2)}`).join('  ') +
        (r.redis === undefined ? '' : `  redis used ${r.redis.usedKbPerConnection.toFixed(2)}`),
    );
    return {
      machine: {
        ...describeMachine(),
        revision: describeRevision(['server', 'bench']),
        loadAtStart,
        loadAtEnd: loadAverage(),
        quietWaitMs: run.quiet.spentMs,
      },
      counts,
      latency: latencyRounds,
      memory: memoryRounds,
      problems: run.problems,
      warnings: run.warnings,
      retried: run.retried,
      buildSeconds,
      wallSeconds: (performance.now() - began) / 1000,
    };
  },

  report(input) {
    return {
      markdown: renderSection(input),
      summary: [summaryTable(input), ...input.warnings.map((warning) => `warning: ${warning}`)].join('\n'),
      failures: input.problems,
    };
  },
};
