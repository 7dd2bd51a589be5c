/**
 * `npm run bench -- turn`: turnutils_uclient against our relay and against
 * coturn, the order within each pair of runs alternating, then
 * docs/benchmarks-turn.md. Fails only when something failed (a relay that
 * does not start, a uclient run that cannot allocate); a missed target is
 * reported, not fatal.
 */
import { execFileSync } from 'node:child_process';
import { roundCount, type Bench } from '../lib/bench.js';
import { output, start } from '../lib/children.js';
import { QuietBudget, describeMachine, loadAverage } from '../lib/machine.js';
import { describeRevision } from '../lib/revision.js';
import { alternate } from '../lib/rounds.js';
import { freeUdpPort } from './net.js';
import { PAIRS, QUIET_CPU_PERCENT, QUIET_WAIT_BUDGET_MS, SECRET, anchors, scenarios, warmUp } from './params.js';
import { peakRssKb } from './procfs.js';
import { renderReport, summaryTable, type ReportInput } from './report.js';
import { IDLE_WINDOW_MS, measureIdle, measureRound, nextIdentity, type Peer, type Round } from './round.js';
import { startServer, TURNSERVER, type RunningServer, type ServerName } from './servers.js';
import { PEER, requireTools, warmUp as warm } from './uclient.js';

/** turnutils_peer has no readiness signal; it binds at once, and this is ample for that. */
const PEER_START_MS = 300;
/** coturn first: the reference of every ratio. */
const RELAYS: ServerName[] = ['coturn', 'ours'];

interface Measured {
  rounds: Round[];
  idleMicrosPerSecond: Record<ServerName, number>;
  peakRssMb: Record<ServerName, number>;
  quietWaitMs: number;
}

async function measure(peer: Peer, servers: Record<ServerName, RunningServer>, pairs: number): Promise<Measured> {
  for (const server of Object.values(servers)) {
    console.log(`${server.name} listening on 127.0.0.1:${server.port} (pid ${server.pid}); warming up`);
    await warm(warmUp, server, peer.port, SECRET, nextIdentity());
  }
  console.log(`measuring both relays idle for ${IDLE_WINDOW_MS / 1000} s`);
  const idleMicrosPerSecond = await measureIdle(Object.values(servers));
  const ours = [peer.pid, ...Object.values(servers).map((server) => server.pid)];

  const rounds: Round[] = [];
  const quiet = new QuietBudget(QUIET_CPU_PERCENT, QUIET_WAIT_BUDGET_MS);
  for (const scenario of scenarios) {
    for (const [index, name] of alternate(RELAYS, pairs, 'mirror').entries()) {
      await quiet.wait();
      const round = await measureRound(servers[name], scenario, peer, SECRET, ours);
      rounds.push(round);
      const u = round.uclient;
      console.log(
        `${scenario.name.padEnd(10)} pair ${Math.floor(index / 2) + 1} ${name.padEnd(6)} ` +
          `${Math.round(round.echoesPerSecond).toString().padStart(6)} echo/s ` +
          `loss ${u.lossPercent.toFixed(2).padStart(6)} %  rtt avg ${u.rttAvgMs.toFixed(1).padStart(5)} ms  ` +
          `cpu ${round.cpuMicrosPerEcho.toFixed(1).padStart(6)} µs/echo  other ${round.otherCpuPercent.toFixed(0)} %`,
      );
    }
  }
  const peakRssMb = { coturn: peakRssKb(servers.coturn.pid) / 1024, ours: peakRssKb(servers.ours.pid) / 1024 };
  return { rounds, idleMicrosPerSecond, peakRssMb, quietWaitMs: quiet.spentMs };
}

export const turnBench: Bench<ReportInput> = {
  name: 'turn',
  file: 'benchmarks-turn.md',

  async rounds(settings) {
    const began = performance.now();
    const loadAtStart = loadAverage();
    requireTools();
    // Read before the relay starts: what it is made of.
    const revision = describeRevision(['turn', 'infra/coturn']);
    const pairs = roundCount(settings, PAIRS);
    const peerPort = await freeUdpPort();
    const peerChild = start('turnutils_peer', PEER, ['-p', String(peerPort), '-L', '127.0.0.1']);
    const servers: Partial<Record<ServerName, RunningServer>> = {};
    let measured: Measured;
    try {
      await new Promise((resolve) => setTimeout(resolve, PEER_START_MS));
      if (!peerChild.running()) throw new Error(`turnutils_peer exited at start:\n${output(peerChild)}`);
      servers.coturn = await startServer('coturn', SECRET);
      servers.ours = await startServer('ours', SECRET);
      const peer = { pid: peerChild.pid, port: peerPort };
      measured = await measure(peer, { coturn: servers.coturn, ours: servers.ours }, pairs);
    } finally {
      for (const server of Object.values(servers)) await server.stop();
      await peerChild.stop();
    }
    return {
      date: new Date().toISOString(),
      machine: {
        ...describeMachine(),
        coturn: execFileSync(TURNSERVER, ['--version'], { encoding: 'utf8' }).trim(),
        revision,
        loadAtStart,
        loadAtEnd: loadAverage(),
        quietWaitMs: measured.quietWaitMs,
      },
      pairs,
      rounds: measured.rounds,
      idleMicrosPerSecond: measured.idleMicrosPerSecond,
      peakRssMb: measured.peakRssMb,
      runtimeSeconds: (performance.now() - began) / 1000,
    };
  },

  report(input) {
    const context = anchors.map(
      (a) =>
        `  ${a.server}: ${a.echoesPerSecond} echo msg/s at ${a.lossPercent} % loss, ` +
        `${a.cpuMicrosPerEcho} µs CPU per echo`,
    );
    return {
      markdown: renderReport(input),
      summary: [
        summaryTable(input),
        '',
        'Earlier anchors, from an earlier measurement (20 clients), not this run:',
        ...context,
      ].join('\n'),
      failures: [],
    };
  },
};
