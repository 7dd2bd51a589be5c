/**
 * What a report says about the machine, and how busy the whole machine was,
 * so a round disturbed by other processes on these two cores is visible.
 * CPU times are read from /proc, the same way for our processes and for
 * anyone else's (coturn, uclient).
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

/** The machine as a report describes it: what it is, which code ran, and how busy it was around the run. */
export interface MachineDuringRun extends Machine {
  /** describeRevision() of the code measured. */
  revision: string;
  /** loadAverage() at the start and at the end. */
  loadAtStart: string;
  loadAtEnd: string;
  /** Time spent waiting for a quiet machine. */
  quietWaitMs: number;
}

/** Long enough for /proc/stat's 10 ms ticks to resolve a few percent of a core. */
const QUIET_SAMPLE_MS = 300;

/** /proc counts CPU in USER_HZ ticks, which Linux fixes at 100 per second for userspace. */
export const MICROS_PER_TICK = 10_000;

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

/** The fields of /proc/<pid>/stat after the command name, which is in parentheses and may hold spaces. */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** User and system CPU of the whole process (every thread), in µs; 10 ms resolution. Throws once it is gone. */
export function cpuTimes(pid: number): { user: number; system: number } {
  // utime and stime: fields 14 and 15 of proc(5), 11 and 12 after the name.
  const fields = statFields(pid);
  return { user: Number(fields[11]) * MICROS_PER_TICK, system: Number(fields[12]) * MICROS_PER_TICK };
}

/** User + system CPU time of process `pid` so far, in µs (0 once it is gone). */
export function processCpuMicros(pid: number): number {
  try {
    const { user, system } = cpuTimes(pid);
    return user + system;
  } catch {
    return 0;
  }
}

/** This process plus every child it has reaped, in µs; live children are read separately. */
export function selfAndReapedMicros(): number {
  const fields = statFields('self');
  // utime, stime, cutime, cstime: fields 14–17 of proc(5), 11–14 after the name.
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) * MICROS_PER_TICK;
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

/** waitForQuiet before every round of a run, all of the waits together bounded by one budget. */
export class QuietBudget {
  private leftMs: number;

  constructor(
    readonly percent: number,
    readonly budgetMs: number,
  ) {
    this.leftMs = budgetMs;
  }

  /** Waits for a quiet machine within what is left of the budget; returns how long it waited. */
  async wait(): Promise<number> {
    const waited = await waitForQuiet(this.percent, Math.max(0, this.leftMs));
    this.leftMs -= waited;
    return waited;
  }

  get spentMs(): number {
    return this.budgetMs - this.leftMs;
  }
}
