/**
 * The signaling server as its own process (server/main.ts through tsx, see
 * node-process.ts), the way `npm start` runs it after its build: on
 * 127.0.0.1, its port read back from its log.
 */
import { NodeProcess, type RecoveryBounds, type Snapshot, type SpawnOptions } from './node-process.js';
import { metric } from './metrics.js';

const TEST_ENV = { HOST: '127.0.0.1', PORT: '0', STATIC_DIR: '/nonexistent-static-dir' };

/** Starts server/main.ts without waiting for it, e.g. to see it refuse its configuration. */
export function runMain(env: Record<string, string> = {}, options: Omit<SpawnOptions, 'env'> = {}): NodeProcess {
  return new NodeProcess('server/main.ts', { ...options, env: { ...TEST_ENV, ...env } });
}

export class ServerProcess {
  private constructor(
    readonly process: NodeProcess,
    readonly port: number,
  ) {}

  /** Starts the server and waits until it listens. `env` overrides the test defaults. */
  static async start(
    env: Record<string, string> = {},
    options: Omit<SpawnOptions, 'env'> = {},
  ): Promise<ServerProcess> {
    const child = runMain(env, options);
    try {
      const line = await child.waitForLog('Server listening at http://127.0.0.1:');
      return new ServerProcess(child, Number(/:(\d+)$/.exec(String(line.msg))?.[1]));
    } catch (error) {
      child.child.kill('SIGKILL');
      throw error;
    }
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get wsUrl(): string {
    return `ws://127.0.0.1:${this.port}/ws`;
  }

  get child(): NodeProcess['child'] {
    return this.process.child;
  }

  get exited(): NodeProcess['exited'] {
    return this.process.exited;
  }

  /** One sample of the server's /metrics; 0 when the series has no sample yet. */
  metric(series: string): Promise<number> {
    return metric(this.httpUrl, series);
  }

  /** Where the server stands before an attack (needs `inspect: true`). */
  snapshot(): Promise<Snapshot> {
    return this.process.snapshot();
  }

  /** After an attack: up, descriptors and heap back near `before`, the log within `bounds`. */
  expectRecovered(before: Snapshot, bounds: RecoveryBounds): Promise<void> {
    return this.process.expectRecovered(before, bounds);
  }

  stop() {
    return this.process.stop();
  }
}

export const startMain = (env: Record<string, string> = {}, options: Omit<SpawnOptions, 'env'> = {}) =>
  ServerProcess.start(env, options);
