/**
 * One measured run: uclient against a running relay, with the relay's CPU
 * over exactly that run and how much CPU everything else on the machine took.
 */
import { MICROS_PER_TICK, cpuTimes, machineBusyMicros, processCpuMicros, selfAndReapedMicros } from '../lib/machine.js';
import { preciseCpuMicros, voluntarySwitches } from './procfs.js';
import { RELAY_PORTS, type RunningServer, type ServerName } from './servers.js';
import { RunSampler, type Observed } from './sampler.js';
import { UclientFailure, runUclient, type Identity, type UclientResult } from './uclient.js';
import type { Scenario } from './params.js';

export interface Round {
  server: ServerName;
  scenario: string;
  uclient: UclientResult;
  observed: Observed;
  /** Echoes received back per second of the time the relay was delivering (see sampler.ts). */
  echoesPerSecond: number;
  /** Echoes received back per second of the uclient process's wall time, its fixed waits included. */
  echoesPerWallSecond: number;
  cpuMicros: number;
  cpuMicrosPerEcho: number;
  /** The user-space share of cpuMicros: the relay's own code, as against the kernel's UDP work on its behalf. */
  userMicros: number;
  /** The relay's voluntary context switches during the run (≈ its wake-ups). */
  wakeups: number;
  /** Run a second time after uclient collided with its own leftovers (see measureRound). */
  rerun: boolean;
  /** CPU other people's processes took during the run, in percent of one core. */
  otherCpuPercent: number;
}

export interface Peer {
  pid: number;
  port: number;
}

let runs = 0;
/** Below this many 10-ms ticks in a run, a user/system ratio is mostly rounding. */
const MIN_TICKS_TO_SPLIT = 10;

/** A user and a loopback address per uclient run (see Identity). */
export function nextIdentity(): Identity {
  runs += 1;
  return { user: `bench-${runs}`, localAddress: `127.100.${Math.floor(runs / 250)}.${(runs % 250) + 1}` };
}

/**
 * `ours` are every process of this bench still running (relays, peer), whose
 * CPU is not "other". A run that failed only because uclient met its own
 * leftover allocation (UclientFailure.collided) is run once more and says so.
 */
export async function measureRound(
  relay: RunningServer,
  scenario: Scenario,
  peer: Peer,
  secret: string,
  ours: number[],
): Promise<Round> {
  try {
    return await measureOnce(relay, scenario, peer, secret, ours);
  } catch (error) {
    if (!(error instanceof UclientFailure && error.collided)) throw error;
    console.log(`${scenario.name} ${relay.name}: uclient met a leftover allocation of its own (437); running it again`);
    return { ...(await measureOnce(relay, scenario, peer, secret, ours)), rerun: true };
  }
}

/** One attempt, taking what measureRound takes. */
const measureOnce: typeof measureRound = async (relay, scenario, peer, secret, ours) => {
  const sampler = new RunSampler({
    peerPid: peer.pid,
    peerPort: peer.port,
    serverPort: relay.port,
    relayAddress: relay.relayAddress,
    relayPorts: RELAY_PORTS[relay.name],
  });
  const oursCpu = () => selfAndReapedMicros() + ours.reduce((sum, pid) => sum + processCpuMicros(pid), 0);
  const began = {
    machine: machineBusyMicros(),
    ours: oursCpu(),
    relay: preciseCpuMicros(relay.pid),
    ticks: cpuTimes(relay.pid),
    switches: voluntarySwitches(relay.pid),
    at: performance.now(),
  };
  let uclient: UclientResult;
  let observed: Observed;
  try {
    uclient = await runUclient(scenario.params, relay, peer.port, secret, nextIdentity(), (pid) =>
      sampler.watchUclient(pid),
    );
  } finally {
    observed = sampler.stop();
  }
  const cpu = preciseCpuMicros(relay.pid) - began.relay;
  const wakeups = voluntarySwitches(relay.pid) - began.switches;
  const ticks = cpuTimes(relay.pid);
  const tickTotal = ticks.user + ticks.system - began.ticks.user - began.ticks.system;
  // Only the 10-ms ticks tell user from system time; their ratio splits the precise total, when there are
  // enough of them.
  const userMicros =
    tickTotal >= MIN_TICKS_TO_SPLIT * MICROS_PER_TICK
      ? (cpu * (ticks.user - began.ticks.user)) / tickTotal
      : Number.NaN;
  const other = machineBusyMicros() - began.machine - (oursCpu() - began.ours);
  const elapsedMicros = (performance.now() - began.at) * 1000;
  return {
    server: relay.name,
    scenario: scenario.name,
    uclient,
    observed,
    echoesPerSecond: observed.deliveringMs > 0 ? uclient.received / (observed.deliveringMs / 1000) : Number.NaN,
    echoesPerWallSecond: uclient.received / (uclient.wallMs / 1000),
    cpuMicros: cpu,
    cpuMicrosPerEcho: uclient.received > 0 ? cpu / uclient.received : Number.NaN,
    userMicros,
    wakeups,
    otherCpuPercent: Math.max(0, (other / elapsedMicros) * 100),
    rerun: false,
  };
};

/** Long enough for a few 10-ms CPU ticks of an idle relay to add up. */
export const IDLE_WINDOW_MS = 5_000;

/** Each relay's CPU while nothing is sent to it, in µs per second: timers it keeps running on its own. */
export async function measureIdle(relays: RunningServer[]): Promise<Record<ServerName, number>> {
  const before = relays.map((relay) => preciseCpuMicros(relay.pid));
  await new Promise((resolve) => setTimeout(resolve, IDLE_WINDOW_MS));
  const idle = {} as Record<ServerName, number>;
  relays.forEach((relay, index) => {
    idle[relay.name] = ((preciseCpuMicros(relay.pid) - (before[index] ?? 0)) / IDLE_WINDOW_MS) * 1000;
  });
  return idle;
}
