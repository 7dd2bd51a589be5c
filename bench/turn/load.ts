/**
 * What of the machine's CPU is this bench's own: the orchestrator and the
 * uclient runs it has reaped (the machine-wide side is ../machine.ts).
 */
import { readFileSync } from 'node:fs';
import { MICROS_PER_TICK } from './procfs.js';

/** This process plus every child it has reaped (uclient runs), in µs; live children are read separately. */
export function selfAndReapedMicros(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime: fields 14–17 of proc(5), 11–14 after the name.
  return [11, 12, 13, 14].reduce((sum, index) => sum + Number(fields[index]), 0) * MICROS_PER_TICK;
}
