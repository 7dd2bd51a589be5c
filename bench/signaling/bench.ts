/**
 * `npm run bench -- signaling`: every workload against a fresh baseline and a
 * fresh copy of ours, alternating, then the flood rounds, then
 * docs/benchmarks.md. Lost messages fail the run; a missed target is reported.
 */
import type { FloodOutcome, LatencyResult, MemoryResult, SaturationResult } from './ipc.js';
import { roundCount, type Bench } from '../lib/bench.js';
import { describeMachine } from '../lib/machine.js';
import { flood, latency, memory, saturation } from './params.js';
import { FloodChild, runLoad, type LoadRun } from './processes.js';
import { renderReport, summaryTable, type FloodRound, type ReportInput } from './report.js';
import { Series, cpuNote, sampled, windowOf, type Variant } from './series.js';

const MB = 1024 * 1024;

const COMPARED: Variant[] = [
  { kind: 'baseline', label: 'baseline' },
  { kind: 'ours', label: 'ours' },
];

async function measure(series: Series, counts: ReportInput['counts']) {
  const latencyRounds = await series.run(
    'latency',
    COMPARED,
    counts.latency,
    async (server, _variant, where) => {
      const { result, marks } = await runLoad<LatencyResult>('./load-latency.ts', server, { settle: false });
      series.check(where, result);
      if (result.achievedRate < 0.95 * latency.ratePerSecond) {
        const rate = result.achievedRate.toFixed(0);
        series.warnings.push(`${where}: the generator sent only ${rate} signals/s in the window`);
      }
      const { p50Ms, p99Ms, maxMs, achievedRate, samples } = result;
      return { kind: server.kind, p50Ms, p99Ms, maxMs, achievedRate, samples, window: windowOf(marks, where) };
    },
    (r) =>
      `p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  max ${r.maxMs.toFixed(1)} ms  ` + cpuNote(r.window),
  );

  const saturationRounds = await series.run(
    'saturation',
    COMPARED,
    counts.saturation,
    async (server, _variant, where) => {
      const { result, marks } = await runLoad<SaturationResult>('./load-saturation.ts', server, { settle: false });
      series.check(where, result);
      const window = windowOf(marks, where);
      return {
        kind: server.kind,
        messagesPerSecond: (result.windowMessages * 1000) / window.elapsedMs,
        usPerMessage: window.serverCpuMicros / result.windowMessages,
        userUsPerMessage: window.serverUserMicros / result.windowMessages,
        windowMessages: result.windowMessages,
        window,
      };
    },
    (r) => `${r.messagesPerSecond.toFixed(0)} msg/s  ${r.usPerMessage.toFixed(1)} µs/msg  ${cpuNote(r.window)}`,
  );

  const memoryRounds = await series.run(
    'memory',
    COMPARED,
    counts.memory,
    async (server, _variant, where) => {
      const { result, marks } = await runLoad<MemoryResult>('./load-memory.ts', server, { settle: true });
      series.check(where, result);
      const before = sampled(marks, 'start', where).server;
      const after = sampled(marks, 'end', where).server;
      return {
        kind: server.kind,
        connections: result.connections,
        rssBeforeMb: before.rss / MB,
        rssAfterMb: after.rss / MB,
        kbPerConnection: (after.rss - before.rss) / 1024 / result.connections,
        heapKbPerConnection: (after.heapUsed - before.heapUsed) / 1024 / result.connections,
      };
    },
    (r) =>
      `${r.connections} conns  RSS ${r.rssBeforeMb.toFixed(1)} → ${r.rssAfterMb.toFixed(1)} MB  ` +
      `${r.kbPerConnection.toFixed(2)} KB/conn`,
  );

  const floodRounds = await series.run(
    'flood',
    flood.scenarios.map((scenario) => ({ kind: 'defaults' as const, label: scenario, scenario })),
    counts.flood,
    async (server, { scenario }, where): Promise<FloodRound> => {
      const attacker = await FloodChild.start(scenario, server);
      let run: LoadRun<LatencyResult>;
      let attack: FloodOutcome;
      try {
        run = await runLoad<LatencyResult>('./load-latency.ts', server, {
          settle: false,
          args: ['probe'],
          flood: attacker,
        });
      } finally {
        attack = await attacker.stop();
      }
      series.check(where, run.result);
      const { p50Ms, p99Ms, maxMs, achievedRate, samples } = run.result;
      const window = windowOf(run.marks, where);
      return { kind: server.kind, scenario, p50Ms, p99Ms, maxMs, achievedRate, samples, window, attack };
    },
    (r) =>
      `p50 ${r.p50Ms.toFixed(3)} ms  p99 ${r.p99Ms.toFixed(3)} ms  max ${r.maxMs.toFixed(1)} ms  ` +
      `upgrades ${r.attack.upgrades} (${r.attack.refusedUpgrades} refused)  ` +
      `frames ${r.attack.framesSent} (${r.attack.framesRead} read)  ${cpuNote(r.window)}`,
  );
  for (const round of floodRounds) {
    if (round.p99Ms > flood.p99LimitMs) {
      const p99 = round.p99Ms.toFixed(1);
      series.warnings.push(`flood (${round.scenario}): p99 ${p99} ms is over ${flood.p99LimitMs} ms`);
    }
  }
  return { latency: latencyRounds, saturation: saturationRounds, memory: memoryRounds, flood: floodRounds };
}

export const signalingBench: Bench<ReportInput> = {
  name: 'signaling',
  file: 'benchmarks.md',

  async rounds(settings) {
    const began = performance.now();
    const series = new Series();
    const counts = {
      latency: roundCount(settings, latency.rounds),
      saturation: roundCount(settings, saturation.rounds),
      memory: roundCount(settings, memory.rounds),
      flood: roundCount(settings, flood.rounds),
    };
    const measured = await measure(series, counts);
    return {
      machine: describeMachine(),
      counts,
      ...measured,
      problems: series.problems,
      warnings: series.warnings,
      retried: series.retried,
      quietWaitSeconds: series.quiet.spentMs / 1000,
      wallSeconds: (performance.now() - began) / 1000,
    };
  },

  report(input) {
    const warnings = input.warnings.map((warning) => `warning: ${warning}`);
    return {
      markdown: renderReport(input),
      summary: [summaryTable(input), ...warnings].join('\n'),
      failures: input.problems,
    };
  },
};
