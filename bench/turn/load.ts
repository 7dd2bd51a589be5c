/**
 * The machine is shared with other people's tests: how busy it is, how much
 * of that is this bench, and waiting (boundedly) for it to calm down.
 */
import { readFileSync } from 'node:fs';
import { MICROS_PER_TICK } from './procfs.js';
const QUIET_SAMPLE_MS = 500;

/**
 * CPU the whole machine spent not idle, in µs. irq and softirq count because
 * this kernel charges interrupt work to whichever process it interrupted.
 */
export function machineBusyMicros(): number {
  const fields = /^cpu\s+(.+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]?.split(/\s+/).map(Number);
  if (fields === undefined) throw new Error('no aggregate cpu line in /proc/stat');
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return (user + nice + system + irq + softirq) * MICROS_PER_TICK;
}

/** This process plus every child it has reaped (uclient runs), in µs; live children are read separately. */
export function selfAndReapedMicros(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime: fields 14–17 of proc(5), 11–14 after the name.
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) * MICROS_PER_TICK;
}

/** Percent of one core the machine is busy over a short sample. */
async function busyPercent(): Promise<number> {
  const before = machineBusyMicros();
  await new Promise((resolve) => setTimeout(resolve, QUIET_SAMPLE_MS));
  return ((machineBusyMicros() - before) / (QUIET_SAMPLE_MS * 1000)) * 100;
}

/**
 * Waits until the machine uses at most `percent` of a core or `maxWaitMs`
 * have passed; returns how long it waited. Called between runs, when only
 * the idle relays and peer are ours, so what it sees is other people's work.
 */
export async function waitForQuiet(percent: number, maxWaitMs: number): Promise<number> {
  const began = performance.now();
  while (performance.now() - began < maxWaitMs) {
    if ((await busyPercent()) <= percent) break;
  }
  return performance.now() - began;
}

export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}
