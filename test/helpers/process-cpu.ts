/**
 * CPU time of a process tree, read from /proc (Linux only): how much of the
 * machine a browser and its renderers, GPU and utility processes used over
 * a stretch of a test. Reported alongside os.loadavg(), never asserted on
 * (speed belongs in `npm run bench`).
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc/<pid>/stat's utime and stime; 100 on every Linux this runs on. */
const TICKS_PER_SECOND = 100;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, in seconds. */
  cpuSeconds: number;
}

function readStat(pid: number): Stat | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: split after its closing one.
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
    // Fields from 3 on: state(3) ppid(4) … utime(14) stime(15).
    return {
      pid,
      ppid: Number(fields[1]),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND,
    };
  } catch {
    return undefined;
  }
}

function allStats(): Stat[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map((name) => readStat(Number(name)))
    .filter((stat): stat is Stat => stat !== undefined);
}

/** The oldest process whose command line contains `marker` (a browser's unique flag), if any. */
export function findProcess(marker: string): number | undefined {
  const matching = readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    });
  const pids = new Set(matching);
  // The root of the tree: a matching process whose parent does not match.
  return matching.find((pid) => !pids.has(readStat(pid)?.ppid ?? -1));
}

/** CPU seconds used so far by `root` and every live descendant, and how many processes that is. */
export function treeCpu(root: number): { cpuSeconds: number; processes: number } {
  const stats = allStats();
  const children = new Map<number, Stat[]>();
  for (const stat of stats) children.set(stat.ppid, [...(children.get(stat.ppid) ?? []), stat]);
  const rootStat = stats.find((stat) => stat.pid === root);
  if (rootStat === undefined) return { cpuSeconds: 0, processes: 0 };
  let cpuSeconds = 0;
  let processes = 0;
  const queue = [rootStat];
  while (queue.length > 0) {
    const stat = queue.pop() as Stat;
    cpuSeconds += stat.cpuSeconds;
    processes++;
    queue.push(...(children.get(stat.pid) ?? []));
  }
  return { cpuSeconds, processes };
}
