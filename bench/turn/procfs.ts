/**
 * What the kernel knows about a process and its UDP sockets, read from /proc
 * so that our relay and coturn are measured the same way from outside (the
 * tick-granular CPU times every bench reads are in ../lib/machine.ts).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

/**
 * CPU time of every thread of the process, in µs, with the scheduler's
 * nanosecond precision (/proc/<pid>/stat only counts 10 ms ticks, too coarse
 * for a relay that spends 30 ms on a run). Threads that exit take their time
 * with them; both relays keep theirs for life.
 */
export function preciseCpuMicros(pid: number): number {
  let nanos = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      nanos += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return nanos / 1000;
}

/**
 * Times any thread of the process blocked waiting (voluntary context
 * switches): for an event-loop server, about one per wake-up, so per echo it
 * says how many packets each wake-up handled.
 */
export function voluntarySwitches(pid: number): number {
  let switches = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const match = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8'));
      switches += Number(match?.[1] ?? 0);
    } catch {
      // The thread ended between listing and reading.
    }
  }
  return switches;
}

/** Peak resident set size (VmHWM) in KiB. */
export function peakRssKb(pid: number): number {
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (match === null) throw new Error(`no VmHWM for ${pid}`);
  return Number(match[1]);
}

/** Nanoseconds the process's main thread has run, with scheduler precision (not ticks). */
export function runNanos(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
}

export interface UdpSocket {
  inode: string;
  address: string;
  port: number;
  /** Datagrams the kernel threw away because the socket's receive buffer was full. */
  drops: number;
  /** Bytes queued for the application right now. */
  rxQueue: number;
}

/** Every IPv4 UDP socket on the machine (the bench's and anyone else's). */
export function udpSockets(): UdpSocket[] {
  const rows = readFileSync('/proc/net/udp', 'utf8').trim().split('\n').slice(1);
  return rows.map((row) => {
    const cols = row.trim().split(/\s+/);
    const [hexAddress = '', hexPort = '0'] = (cols[1] ?? '').split(':');
    const [, hexRx = '0'] = (cols[4] ?? '').split(':');
    return {
      inode: cols[9] ?? '',
      address: hexToIPv4(hexAddress),
      port: Number.parseInt(hexPort, 16),
      drops: Number(cols[12] ?? 0),
      rxQueue: Number.parseInt(hexRx, 16),
    };
  });
}

/** /proc/net/udp writes addresses as a little-endian hex word. */
function hexToIPv4(hex: string): string {
  const value = Number.parseInt(hex, 16);
  return [value & 255, (value >>> 8) & 255, (value >>> 16) & 255, value >>> 24].join('.');
}

/** Inodes of the sockets a process has open (none once it has exited). */
export function socketInodes(pid: number): string[] {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  const inodes: string[] = [];
  for (const fd of fds) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.push(match[1]);
    } catch {
      // Closed between listing and reading: no longer one of this run's sockets.
    }
  }
  return inodes;
}
