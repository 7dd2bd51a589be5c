/**
 * What the report says about the machine, and how busy the whole machine
 * was, so a round disturbed by other processes on these two cores is visible.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Machine {
  date: string;
  nproc: string;
  cpu: string;
  node: string;
}

export function describeMachine(): Machine {
  return {
    date: new Date().toISOString(),
    nproc: execFileSync('nproc', { encoding: 'utf8' }).trim(),
    cpu: /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? 'unknown',
    node: process.version,
  };
}

/** Long enough for /proc/stat's 10 ms ticks to resolve a few percent of a core. */
const QUIET_SAMPLE_MS = 300;

/** /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 per second for userspace. */
const MICROS_PER_TICK = 10_000;

/**
 * CPU time the machine spent not idle (user, nice, system, irq, softirq), in µs.
 * irq and softirq count because kernels without IRQ time accounting (this VM's
 * among them) charge interrupt work to the process it interrupted, so our
 * children's own CPU times include some of it.
 */
export function machineBusyMicros(): number {
  const fields = /^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.split(/\s+/).map(Number);
  if (fields === undefined) throw new Error('no aggregate cpu line in /proc/stat');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return (user + nice + system + irq + softirq) * MICROS_PER_TICK;
}

/** User + system CPU time of process `pid` so far, in µs, from /proc/<pid>/stat (0 once it is gone). */
export function processCpuMicros(pid: number): number {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return 0;
  }
  // Fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg prints them. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Percent of one core the machine is busy over a short sample. */
async function load(sampleMs: number): Promise<number> {
  const before = machineBusyMicros();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  return ((machineBusyMicros() - before) / (sampleMs * 1000)) * 100;
}

/**
 * Waits until the machine uses at most `percent` of a core, or until about
 * `maxWaitMs` is spent; returns how long it waited (0 if it was quiet at once).
 * Called between rounds, when none of our children is busy, so all it sees is
 * other processes.
 */
export async function waitForQuiet(percent: number, maxWaitMs: number, sampleMs = QUIET_SAMPLE_MS): Promise<number> {
  const began = performance.now();
  let waited = 0;
  while ((await load(sampleMs)) > percent && waited < maxWaitMs) waited = performance.now() - began;
  return waited;
}
