/**
 * One of the project's processes (server, relay, launcher) run for real, from
 * source through tsx, the way an attacker meets it: its JSON log lines kept
 * and counted, and its descriptors and heap read from outside (/proc, and the
 * inspector with a full GC first), so that "memory and descriptors came back"
 * is a measurement rather than a hope.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import WebSocket from 'ws';

const root = fileURLToPath(new URL('../..', import.meta.url));

export type LogLine = Record<string, unknown> & { msg?: string; level?: number };

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Where a process stands, to compare before and after an attack. */
export interface Snapshot {
  descriptors: number;
  /** heapUsed after a full GC. */
  heap: number;
  lines: number;
  logBytes: number;
}

export interface RecoveryBounds {
  /** Most log lines the attack may have cost. */
  logLines: number;
  /** Most log bytes it may have cost (default: no bound beyond the lines). */
  logBytes?: number;
  /** How far the heap after a full GC may stay above the start (default 8 MiB). */
  heapSlackBytes?: number;
  /** How many descriptors more than at the start may stay open (default 2). */
  descriptorSlack?: number;
  /** How long the descriptors may take to come back (default 10 s). */
  settleMs?: number;
}

export interface SpawnOptions {
  /** Added to a minimal environment (PATH only), so the developer's shell leaks nothing in. */
  env?: Record<string, string>;
  /** Start with the inspector on a loopback port, for heapAfterGc(). */
  inspect?: boolean;
  /** Extra node flags, e.g. --max-old-space-size. */
  nodeFlags?: string[];
  /** Run under this open-file limit (soft and hard, through util-linux's prlimit, which execs node in place). */
  openFileLimit?: number;
  /**
   * Lead a process group of its own, as a shell's foreground job does, so that
   * a test can signal the whole group (`process.kill(-pid, …)`) like a Ctrl-C.
   */
  detached?: boolean;
}

export class NodeProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  /** Every JSON line written to stdout, in order. */
  readonly lines: LogLine[] = [];
  /** Bytes written to stdout: what a log shipper would have to carry. */
  logBytes = 0;
  private stderrText = '';
  private partial = '';
  private readonly inspectorUrl: Promise<string> | undefined;
  private readonly waiters = new Set<() => void>();

  constructor(entry: string, options: SpawnOptions = {}) {
    const flags = [
      ...(options.inspect === true ? ['--inspect=127.0.0.1:0'] : []),
      ...(options.nodeFlags ?? []),
      '--import',
      'tsx',
    ];
    const command = [process.execPath, ...flags, entry];
    if (options.openFileLimit !== undefined)
      command.unshift('prlimit', `--nofile=${options.openFileLimit}:${options.openFileLimit}`, '--');
    this.child = spawn(command[0]!, command.slice(1), {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: options.detached === true,
    });
    this.child.stdout?.on('data', (chunk: Buffer) => this.onStdout(chunk));
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrText += chunk.toString();
      this.wake();
    });
    this.exited = new Promise((resolve) =>
      this.child.on('exit', (code, signal) => {
        resolve({ code, signal });
        this.wake();
      }),
    );
    if (options.inspect === true) {
      this.inspectorUrl = this.until(
        () => /Debugger listening on (ws:\/\/\S+)/.exec(this.stderrText)?.[1],
        20_000,
        'the inspector URL',
      );
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the process did not start');
    return this.child.pid;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  stderr(): string {
    return this.stderrText;
  }

  /** Log lines at `level` (pino's numbers: 40 warn, 50 error, 60 fatal) or above. */
  linesAtOrAbove(level: number): LogLine[] {
    return this.lines.filter((line) => (line.level ?? 0) >= level);
  }

  /** The first log line (from `from` on) whose msg starts with `msg`, waiting for it. */
  async waitForLog(msg: string | ((line: LogLine) => boolean), timeoutMs = 20_000, from = 0): Promise<LogLine> {
    const matches = typeof msg === 'string' ? (line: LogLine) => String(line.msg ?? '').startsWith(msg) : msg;
    return this.until(() => this.lines.slice(from).find(matches), timeoutMs, `a log line ${String(msg)}`);
  }

  /** Open file descriptors (sockets included), from /proc. */
  descriptors(): number {
    return readdirSync(`/proc/${this.pid}/fd`).length;
  }

  /** heapUsed after a full garbage collection, through the inspector (needs `inspect: true`). */
  async heapAfterGc(): Promise<number> {
    if (this.inspectorUrl === undefined) throw new Error('started without inspect: true');
    const socket = new WebSocket(await this.inspectorUrl);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      const answers = new Map<number, (result: unknown) => void>();
      socket.on('message', (data) => {
        const message = JSON.parse(data.toString()) as { id?: number; result?: unknown };
        if (message.id !== undefined) answers.get(message.id)?.(message.result);
      });
      let next = 0;
      const call = (method: string, params: object = {}) =>
        new Promise<unknown>((resolve, reject) => {
          const id = ++next;
          const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${method}`)), 10_000);
          answers.set(id, (result) => {
            clearTimeout(timer);
            resolve(result);
          });
          socket.send(JSON.stringify({ id, method, params }));
        });
      await call('HeapProfiler.collectGarbage');
      const result = (await call('Runtime.evaluate', {
        expression: 'process.memoryUsage().heapUsed',
        returnByValue: true,
      })) as {
        result: { value: number };
      };
      return result.result.value;
    } finally {
      socket.close();
    }
  }

  /** Descriptors, heap after a full GC (needs `inspect: true`) and log written so far. */
  async snapshot(): Promise<Snapshot> {
    return {
      descriptors: this.descriptors(),
      heap: await this.heapAfterGc(),
      lines: this.lines.length,
      logBytes: this.logBytes,
    };
  }

  /**
   * After an attack: the process is still running, its descriptors are back
   * near `before` (waited for: sockets close asynchronously), its heap after
   * a full GC is near it too, and it logged no more than `bounds` allow
   * (the relay's one line per allocation made aside).
   */
  async expectRecovered(before: Snapshot, bounds: RecoveryBounds): Promise<void> {
    expect(this.alive, 'the process is still running').toBe(true);
    const slack = bounds.descriptorSlack ?? 2;
    const deadline = Date.now() + (bounds.settleMs ?? 10_000);
    while (this.descriptors() > before.descriptors + slack && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(this.descriptors(), `descriptors, against ${before.descriptors} at the start`).toBeLessThanOrEqual(
      before.descriptors + slack,
    );
    expect(await this.heapAfterGc(), 'heap after a full GC, against the start').toBeLessThan(
      before.heap + (bounds.heapSlackBytes ?? 8 * 1024 * 1024),
    );
    // The relay logs each allocation it makes, legitimate users' included; those lines are capped by the quotas.
    const written = this.lines.slice(before.lines).filter((line) => line.msg !== 'allocation created');
    expect(written.length, `log lines written: ${JSON.stringify(written.slice(0, 5))}`).toBeLessThanOrEqual(
      bounds.logLines,
    );
    if (bounds.logBytes !== undefined)
      expect(this.logBytes - before.logBytes, 'log bytes written').toBeLessThanOrEqual(bounds.logBytes);
  }

  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  async stop(): Promise<Exit> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
      const exit = await this.exited;
      clearTimeout(timer);
      return exit;
    }
    return this.exited;
  }

  private onStdout(chunk: Buffer): void {
    this.logBytes += chunk.length;
    const text = this.partial + chunk.toString();
    const rows = text.split('\n');
    this.partial = rows.pop() ?? '';
    for (const row of rows) {
      if (row.trim() === '') continue;
      try {
        this.lines.push(JSON.parse(row) as LogLine);
      } catch {
        this.lines.push({ msg: row, level: 0, unparsed: true });
      }
    }
    this.wake();
  }

  private wake(): void {
    for (const waiter of [...this.waiters]) waiter();
  }

  /** Resolves with the first defined value of `probe`, re-checked whenever output or exit arrives. */
  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (!this.alive) {
          done();
          const exit = this.child.exitCode ?? this.child.signalCode;
          reject(new Error(`process exited (${exit}) before ${what}: ${this.stderrText.slice(-2000)}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${timeoutMs} ms: ${this.stderrText.slice(-2000)}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
