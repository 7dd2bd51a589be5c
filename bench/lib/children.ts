/**
 * Every process this bench starts, recorded by PID the moment it exists, so
 * that a failure or Ctrl-C anywhere still ends exactly these and nothing else.
 */
import { spawn, type ChildProcess } from 'node:child_process';

export interface Child {
  readonly pid: number;
  readonly name: string;
  /** stdout and stderr as they arrived, each line stamped with performance.now(). */
  readonly lines: Array<{ at: number; text: string }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  running(): boolean;
  /** SIGTERM, then SIGKILL if it is still there after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const live = new Map<number, ChildProcess>();

/** A signal to one of our children; it may have exited a moment ago, which is what we wanted anyway. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: already gone.
  }
}

export function killAll(): void {
  for (const [pid, child] of live) {
    if (child.exitCode === null && child.signalCode === null) signal(pid, 'SIGKILL');
  }
  live.clear();
}

/** Installs the last-resort cleanup once; every entry point calls it first. */
export function killChildrenOnExit(): void {
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      killAll();
      process.exit(130);
    });
  }
}

export function start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Child {
  const child = spawn(command, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = child.pid;
  live.set(pid, child);
  const lines: Child['lines'] = [];
  // Lines can arrive split across chunks; keep the tail until its newline comes.
  const collect = (stream: NodeJS.ReadableStream) => {
    let tail = '';
    stream.on('data', (chunk: Buffer) => {
      const at = performance.now();
      const parts = (tail + chunk.toString('utf8')).split('\n');
      tail = parts.pop() ?? '';
      for (const text of parts) lines.push({ at, text });
    });
    stream.on('end', () => {
      if (tail !== '') lines.push({ at: performance.now(), text: tail });
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      live.delete(pid);
      resolve({ code, signal });
    });
  });
  const running = () => child.exitCode === null && child.signalCode === null;
  return {
    pid,
    name,
    lines,
    exited,
    running,
    stop: async (graceMs = 3_000) => {
      if (!running()) return;
      signal(pid, 'SIGTERM');
      const timer = setTimeout(() => {
        if (running()) signal(pid, 'SIGKILL');
      }, graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

export function output(child: Child): string {
  return child.lines.map((line) => line.text).join('\n');
}
