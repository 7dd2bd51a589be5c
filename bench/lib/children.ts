/**
 * Every process a bench starts, recorded by PID the moment it exists, so
 * that a failure or Ctrl-C anywhere still ends exactly these and nothing else.
 * Three ways in: start() for a program whose output the bench reads (coturn,
 * uclient), forkChild() for a TypeScript child that talks over IPC, and
 * forkCompiled() for compiled JavaScript that does both (a server node).
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO_ROOT } from './paths.js';

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

const isRunning = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Records `child` until it exits; returns its PID. */
function track(child: ChildProcess, name: string): number {
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${name}: could not start`);
  live.set(pid, child);
  child.once('exit', () => live.delete(pid));
  return pid;
}

/** SIGKILL to `child` by its PID, if it still runs. */
export function kill(child: ChildProcess): void {
  if (child.pid !== undefined && isRunning(child)) signal(child.pid, 'SIGKILL');
}

export function killAll(): void {
  for (const child of live.values()) kill(child);
  live.clear();
}

let installed = false;

/** Installs the last-resort cleanup, once however often it is called; the entry point calls it first. */
export function killChildrenOnExit(): void {
  if (installed) return;
  installed = true;
  process.on('exit', killAll);
  for (const name of ['SIGINT', 'SIGTERM'] as const) {
    process.on(name, () => {
      killAll();
      process.exit(130);
    });
  }
}

/**
 * Forks bench file `file` (a URL or path) with an IPC channel. tsx as a loader keeps one process per
 * child, so its PID is the one to kill (the tsx CLI would add a wrapper). `--expose-gc` lets servers
 * read a settled RSS; other children merely ignore it.
 */
export function forkChild(file: string | URL, args: string[]): ChildProcess {
  const child = fork(file instanceof URL ? fileURLToPath(file) : file, args, {
    execArgv: ['--expose-gc', '--import', 'tsx'],
    // `--import tsx` is resolved from the working directory, so run where node_modules is.
    cwd: REPO_ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  track(child, String(file));
  return child;
}

export function start(name: string, command: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Child {
  const child = spawn(command, args, { env: env ?? process.env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  return watch(child, name, `${name} (${command})`);
}

/** A forked child whose output is kept as start() keeps a program's, with its IPC channel at hand. */
export interface ForkedChild extends Child {
  readonly process: ChildProcess;
}

/**
 * Forks compiled JavaScript `file` with plain node (no tsx loader, unlike forkChild) and an IPC channel:
 * for a server measured as production runs it that also answers the bench over IPC.
 */
export function forkCompiled(
  name: string,
  file: string,
  args: string[],
  options: { execArgv: string[]; env: NodeJS.ProcessEnv; cwd?: string },
): ForkedChild {
  const child = fork(file, args, { ...options, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  return { ...watch(child, name, `${name} (${file})`), process: child };
}

/** Records `child` and keeps its stdout and stderr; its stdio must be piped. */
function watch(child: ChildProcess, name: string, described: string): Child {
  const pid = track(child, described);
  const lines: Child['lines'] = [];
  // Lines can arrive split across chunks; keep the tail until its newline comes.
  const collect = (stream: NodeJS.ReadableStream | null) => {
    if (stream === null) throw new Error(`${described}: its output is not piped`);
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
    child.once('exit', (code, exitSignal) => resolve({ code, signal: exitSignal }));
  });
  const running = () => isRunning(child);
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
