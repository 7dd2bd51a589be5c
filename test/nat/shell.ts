/**
 * Running commands on this machine and inside the lab's network namespaces
 * (`ip netns exec`), and long-lived processes there that the lab stops by
 * their own PID.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  /** Written to the command's standard input. */
  input?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; never throws for a non-zero exit (the caller decides). */
export function run(
  command: string,
  args: string[],
  { input, timeoutMs = 30_000, env }: RunOptions = {},
): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = execFile(
      command,
      args,
      { timeout: timeoutMs, killSignal: 'SIGKILL', env: env ?? process.env, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        const reason = error !== null && typeof error.code !== 'number' ? `${error.message}\n` : '';
        resolve({ code, stdout, stderr: reason + stderr });
      },
    );
    // A command that never reads its input may exit before it is written.
    child.stdin?.on('error', () => undefined);
    child.stdin?.end(input ?? '');
  });
}

/** Runs a command and returns its output; throws with its stderr when it fails. */
export async function must(command: string, args: string[], options?: RunOptions): Promise<string> {
  const result = await run(command, args, options);
  if (result.code !== 0)
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}: ${result.stderr.trim() || result.stdout.trim()}`,
    );
  return result.stdout;
}

/** `ip netns exec <ns> <command> …` */
export function inNamespace(ns: string, command: string, args: string[]): [string, string[]] {
  return ['ip', ['netns', 'exec', ns, command, ...args]];
}

export interface LabProcess {
  child: ChildProcess;
  /** Everything written to stdout and stderr so far, for readiness checks and failure messages. */
  output(): string;
  /** Resolves with the first output line matching `pattern`; rejects if the process exits or time runs out. */
  waitFor(pattern: RegExp, timeoutMs: number): Promise<string>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * A long-lived process inside a namespace. `ip netns exec` execs the command,
 * so the child's PID is the command's own.
 */
export function startIn(
  ns: string,
  command: string,
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): LabProcess {
  const [ip, ipArgs] = inNamespace(ns, command, args);
  const child = spawn(ip, ipArgs, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    for (const listener of listeners) listener();
  });

  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const line = output.split('\n').find((row) => pattern.test(row));
          if (line !== undefined) done(() => resolve(line));
          else if (child.exitCode !== null || child.signalCode !== null) {
            const status = child.exitCode ?? child.signalCode;
            done(() => reject(new Error(`${command} exited (${status}) before ${pattern}:\n${output.slice(-4000)}`)));
          }
        };
        const timer = setTimeout(
          () =>
            done(() =>
              reject(new Error(`${command} did not print ${pattern} within ${timeoutMs} ms:\n${output.slice(-4000)}`)),
            ),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      }),
    stop: async (graceMs = 10_000) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
