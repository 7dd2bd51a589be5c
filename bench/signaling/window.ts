/**
 * A measured window is the span between two marks. At each mark the parent
 * holds the server's own usage, the load generator's CPU and the whole
 * machine's busy time; the difference tells how much of the window's CPU went
 * to neither, i.e. how disturbed the round was.
 */
import type { Usage } from './ipc.js';

export interface Sample {
  server: Usage;
  loadCpuMicros: number;
  /** A flood child's CPU (0 when there is none). */
  floodCpuMicros: number;
  machineBusyMicros: number;
}

export interface Window {
  elapsedMs: number;
  serverCpuMicros: number;
  serverUserMicros: number;
  /** Percent of one core. */
  serverCpu: number;
  loadCpu: number;
  floodCpu: number;
  /** Everything else the machine did: other processes, and kernel work charged to no process of ours. */
  otherCpu: number;
}

export function measureWindow(start: Sample, end: Sample): Window {
  const elapsedMs = end.server.atMs - start.server.atMs;
  const serverCpuMicros = end.server.cpuMicros - start.server.cpuMicros;
  const loadCpuMicros = end.loadCpuMicros - start.loadCpuMicros;
  const floodCpuMicros = end.floodCpuMicros - start.floodCpuMicros;
  const busyMicros = end.machineBusyMicros - start.machineBusyMicros;
  const percent = (micros: number): number => (micros / (elapsedMs * 1000)) * 100;
  return {
    elapsedMs,
    serverCpuMicros,
    serverUserMicros: end.server.userMicros - start.server.userMicros,
    serverCpu: percent(serverCpuMicros),
    loadCpu: percent(loadCpuMicros),
    floodCpu: percent(floodCpuMicros),
    // Tick-granular and sampled a moment apart from the process counters, so it can dip slightly below zero.
    otherCpu: Math.max(0, percent(busyMicros - serverCpuMicros - loadCpuMicros - floodCpuMicros)),
  };
}
