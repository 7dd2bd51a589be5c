/**
 * `npx tsx bench/turn/run.ts`: turnutils_uclient against our relay and against
 * coturn, alternating, then docs/benchmarks-turn.md. Exits non-zero only when
 * something failed (a relay that does not start, a uclient run that cannot
 * allocate); a missed target is reported, not fatal.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { killChildrenOnExit, output, start } from './children.js';
import { describeMachine, loadAverage, waitForQuiet } from '../machine.js';
import { freeUdpPort } from './net.js';
import { describeRevision } from './revision.js';
import { PAIRS, QUIET_CPU_PERCENT, QUIET_WAIT_BUDGET_MS, SECRET, anchors, scenarios, warmUp } from './params.js';
import { peakRssKb } from './procfs.js';
import { renderReport, summaryTable } from './report.js';
import { IDLE_WINDOW_MS, measureIdle, measureRound, nextIdentity, type Peer, type Round } from './round.js';
import { startServer, TURNSERVER, type RunningServer, type ServerName } from './servers.js';
import { PEER, requireTools, warmUp as warm } from './uclient.js';

const REPORT = new URL('../../docs/benchmarks-turn.md', import.meta.url);
/** turnutils_peer has no readiness signal; it binds at once, and this is ample for that. */
const PEER_START_MS = 300;

killChildrenOnExit();
const began = performance.now();
const loadAtStart = loadAverage();

interface Measured {
  rounds: Round[];
  idleMicrosPerSecond: Record<ServerName, number>;
  peakRssMb: Record<ServerName, number>;
  quietWaitMs: number;
}

async function measure(peer: Peer, servers: Record<ServerName, RunningServer>): Promise<Measured> {
  for (const server of Object.values(servers)) {
    console.log(`${server.name} listening on 127.0.0.1:${server.port} (pid ${server.pid}); warming up`);
    await warm(warmUp, server, peer.port, SECRET, nextIdentity());
  }
  console.log(`measuring both relays idle for ${IDLE_WINDOW_MS / 1000} s`);
  const idleMicrosPerSecond = await measureIdle(Object.values(servers));
  const ours = [peer.pid, ...Object.values(servers).map((server) => server.pid)];

  const rounds: Round[] = [];
  let quietBudget = QUIET_WAIT_BUDGET_MS;
  for (const scenario of scenarios) {
    for (let pair = 0; pair < PAIRS; pair++) {
      const order: ServerName[] = pair % 2 === 0 ? ['coturn', 'ours'] : ['ours', 'coturn'];
      for (const name of order) {
        quietBudget -= await waitForQuiet(QUIET_CPU_PERCENT, Math.max(0, quietBudget));
        const round = await measureRound(servers[name], scenario, peer, SECRET, ours);
        rounds.push(round);
        const u = round.uclient;
        console.log(
          `${scenario.name.padEnd(10)} pair ${pair + 1} ${name.padEnd(6)} ${Math.round(round.echoesPerSecond).toString().padStart(6)} echo/s ` +
            `loss ${u.lossPercent.toFixed(2).padStart(6)} %  rtt avg ${u.rttAvgMs.toFixed(1).padStart(5)} ms  ` +
            `cpu ${round.cpuMicrosPerEcho.toFixed(1).padStart(6)} µs/echo  other ${round.otherCpuPercent.toFixed(0)} %`,
        );
      }
    }
  }
  const peakRssMb = { coturn: peakRssKb(servers.coturn.pid) / 1024, ours: peakRssKb(servers.ours.pid) / 1024 };
  return { rounds, idleMicrosPerSecond, peakRssMb, quietWaitMs: QUIET_WAIT_BUDGET_MS - quietBudget };
}

async function main(): Promise<void> {
  requireTools();
  // Read before the relay starts: what it is made of.
  const revision = describeRevision(['turn', 'infra/coturn']);
  const peerPort = await freeUdpPort();
  const peerChild = start('turnutils_peer', PEER, ['-p', String(peerPort), '-L', '127.0.0.1']);
  const servers: Partial<Record<ServerName, RunningServer>> = {};
  let measured: Measured;
  try {
    await new Promise((resolve) => setTimeout(resolve, PEER_START_MS));
    if (!peerChild.running()) throw new Error(`turnutils_peer exited at start:\n${output(peerChild)}`);
    servers.coturn = await startServer('coturn', SECRET);
    servers.ours = await startServer('ours', SECRET);
    measured = await measure({ pid: peerChild.pid, port: peerPort }, { coturn: servers.coturn, ours: servers.ours });
  } finally {
    for (const server of Object.values(servers)) await server.stop();
    await peerChild.stop();
  }

  const input = {
    date: new Date().toISOString(),
    machine: {
      ...describeMachine(),
      coturn: execFileSync(TURNSERVER, ['--version'], { encoding: 'utf8' }).trim(),
      revision,
      loadAtStart,
      loadAtEnd: loadAverage(),
      quietWaitMs: measured.quietWaitMs,
    },
    rounds: measured.rounds,
    idleMicrosPerSecond: measured.idleMicrosPerSecond,
    peakRssMb: measured.peakRssMb,
    runtimeSeconds: (performance.now() - began) / 1000,
  };
  writeFileSync(REPORT, renderReport(input));
  console.log(`\n${summaryTable(input)}\n`);
  console.log('Earlier anchors, from an earlier measurement (20 clients), not this run:');
  for (const a of anchors) console.log(`  ${a.server}: ${a.echoesPerSecond} echo msg/s at ${a.lossPercent} % loss, ${a.cpuMicrosPerEcho} µs CPU per echo`);
  console.log(`wrote docs/benchmarks-turn.md in ${input.runtimeSeconds.toFixed(0)} s`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
