/**
 * Starting, talking to and killing the signaling bench's child processes,
 * which speak over the fork IPC channel (ipc.ts). Every child is recorded by
 * PID in the bench's one registry (../lib/children.ts) the moment it exists.
 */
import type { ChildProcess } from 'node:child_process';
import type {
  FloodOutcome,
  FloodStopped,
  Flooding,
  Mark,
  MarkName,
  Ready,
  Result,
  Usage,
  UsageRequest,
} from './ipc.js';
import { forkChild, kill } from '../lib/children.js';
import { machineBusyMicros, processCpuMicros } from '../lib/machine.js';
import type { FloodScenario } from './params.js';
import type { Sample } from './window.js';

/**
 * Only a hang trips these. Under a load average of 20–25 on this machine, loading the server through tsx
 * took 16 s and a child idle on its event loop took over 10 s to answer a message.
 */
const START_TIMEOUT_MS = 60_000;
const USAGE_TIMEOUT_MS = 60_000;
/**
 * Many times what any round takes on a quiet machine (about 12 s at most), so only a hang trips it: under a
 * load average of 20 a memory round against ours took over 120 s.
 */
const LOAD_TIMEOUT_MS = 600_000;

/** A child of this directory, e.g. `./flood.ts`. */
const start = (file: string, args: string[]): ChildProcess => forkChild(new URL(file, import.meta.url), args);

/** A send to a child that has died fails; the pending receive() reports that child's exit instead. */
const ignoreSendError = (): void => {};

/** The next message of `type` from `child`; rejects if it exits or stays silent first. */
function receive<T extends { type: string }>(
  child: ChildProcess,
  type: T['type'],
  what: string,
  timeoutMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const finish = (error: Error | undefined, message?: T): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
      if (error === undefined) resolve(message as T);
      else reject(error);
    };
    const onMessage = (message: T): void => {
      if (message.type === type) finish(undefined, message);
    };
    const onExit = (code: number | null, signal: string | null): void =>
      finish(new Error(`${what} exited (${code ?? signal}) before sending "${type}"`));
    const onError = (error: Error): void => finish(new Error(`${what}: ${error.message}`));
    const timer = setTimeout(() => finish(new Error(`${what} sent no "${type}" within ${timeoutMs} ms`)), timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
    if (child.exitCode !== null || child.signalCode !== null) onExit(child.exitCode, child.signalCode);
  });
}

/** `defaults`: ours with the limits it ships with, for the flood rounds. */
export type ServerKind = 'baseline' | 'ours' | 'defaults';

const SERVERS: Record<ServerKind, { file: string; args: string[] }> = {
  baseline: { file: './baseline-relay.ts', args: [] },
  ours: { file: './server-under-test.ts', args: [] },
  defaults: { file: './server-under-test.ts', args: ['defaults'] },
};

export class ServerChild {
  private constructor(
    readonly kind: ServerKind,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {}

  static async start(kind: ServerKind): Promise<ServerChild> {
    const child = start(SERVERS[kind].file, SERVERS[kind].args);
    try {
      const { port } = await receive<Ready>(child, 'ready', `${kind} server`, START_TIMEOUT_MS);
      return new ServerChild(kind, port, child);
    } catch (error) {
      kill(child);
      throw error;
    }
  }

  /** CPU and memory as the server sees them; `settle` GCs first, for a steady RSS. */
  usage(settle: boolean): Promise<Usage> {
    const reply = receive<Usage>(this.child, 'usage', `${this.kind} server`, USAGE_TIMEOUT_MS);
    this.child.send({ type: 'usage', settle } satisfies UsageRequest, ignoreSendError);
    return reply;
  }

  kill(): void {
    kill(this.child);
  }
}

/** What a load child returned, and what the parent sampled at each of its marks. */
export interface LoadRun<R> {
  result: R;
  marks: Partial<Record<MarkName, Sample>>;
}

export interface LoadOptions {
  /** Whether the server GCs and idles before each sample, for a steady RSS. */
  settle: boolean;
  /** More arguments for the load child, after the port. */
  args?: string[];
  /** A flood running beside the load, whose CPU is counted apart from the rest of the machine's. */
  flood?: FloodChild;
}

/** Runs load generator `file` against `server`, sampling the server at every mark. */
export async function runLoad<R>(
  file: string,
  server: ServerChild,
  { settle, args = [], flood }: LoadOptions,
): Promise<LoadRun<R>> {
  const child = start(file, [String(server.port), ...args]);
  const marks: LoadRun<R>['marks'] = {};
  let markFailure: unknown;
  child.on('message', (message: Mark) => {
    if (message.type !== 'mark') return;
    server.usage(settle).then(
      (usage) => {
        marks[message.name] = {
          server: usage,
          loadCpuMicros: message.cpuMicros,
          floodCpuMicros: flood?.cpuMicros() ?? 0,
          machineBusyMicros: machineBusyMicros(),
        };
        child.send({ type: 'marked' }, ignoreSendError);
      },
      (error: unknown) => {
        markFailure = error;
        kill(child);
      },
    );
  });
  try {
    const { result } = await receive<Result<R>>(child, 'result', file, LOAD_TIMEOUT_MS);
    return { result, marks };
  } catch (error) {
    throw markFailure ?? error;
  } finally {
    kill(child);
  }
}

/** An attacker beside a round (bench/flood.ts): started before the load child, stopped after it. */
export class FloodChild {
  private constructor(private readonly child: ChildProcess) {}

  /** Starts `scenario` against `server` and resolves once it is flooding. */
  static async start(scenario: FloodScenario, server: ServerChild): Promise<FloodChild> {
    const child = start('./flood.ts', [String(server.port), scenario]);
    try {
      await receive<Flooding>(child, 'flooding', `${scenario} flood`, START_TIMEOUT_MS);
      return new FloodChild(child);
    } catch (error) {
      kill(child);
      throw error;
    }
  }

  /** The flood's own CPU so far, read from /proc, so a round can tell it from other processes'. */
  cpuMicros(): number {
    return this.child.pid === undefined ? 0 : processCpuMicros(this.child.pid);
  }

  /** Stops the flood and returns what it did. */
  async stop(): Promise<FloodOutcome> {
    const stopped = receive<FloodStopped>(this.child, 'flood-stopped', 'flood', USAGE_TIMEOUT_MS);
    this.child.send({ type: 'stop' }, ignoreSendError);
    try {
      return (await stopped).outcome;
    } finally {
      kill(this.child);
    }
  }
}
