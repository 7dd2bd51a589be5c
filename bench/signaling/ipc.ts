/**
 * What the orchestrator and its children say to each other over the fork IPC
 * channel, and the child-side halves of those conversations.
 */
import { memory, type FloodScenario } from './params.js';

/** A server child is listening. */
export interface Ready {
  type: 'ready';
  port: number;
}

/** Asks a server child for its usage; `settle` forces GC, idles, and GCs again first, for RSS. */
export interface UsageRequest {
  type: 'usage';
  settle: boolean;
}

export interface Usage {
  type: 'usage';
  /** user + system CPU since the child started. */
  cpuMicros: number;
  /** The user-space part: the relay's own code, as opposed to syscalls and the kernel's network stack. */
  userMicros: number;
  rss: number;
  heapUsed: number;
  /** The child's monotonic clock, so the parent can turn CPU deltas into utilisation. */
  atMs: number;
}

/** A load child reached a point where the parent must sample the server before it goes on. */
export interface Mark {
  type: 'mark';
  name: MarkName;
  /** The load child's own user + system CPU, to tell its work from the rest of the machine's. */
  cpuMicros: number;
}

export type MarkName = 'start' | 'end';

export interface Marked {
  type: 'marked';
}

export interface Result<R> {
  type: 'result';
  result: R;
}

/** Load children report what went wrong rather than throwing, so one bad round still yields a report. */
export interface LoadOutcome {
  /** Frames that were not relayed signals (e.g. an `error` from the server) and unasked-for closes, first few only. */
  unexpected: string[];
}

export interface Traffic {
  sent: number;
  /** Counted after sending stopped and in-flight messages had time to land, so sent − received is loss. */
  received: number;
}

export interface LatencyResult extends LoadOutcome, Traffic {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Messages actually sent per second in the measured window, to show the schedule kept up. */
  achievedRate: number;
}

export interface SaturationResult extends LoadOutcome, Traffic {
  /** Messages received between the start and end marks. */
  windowMessages: number;
}

export interface MemoryResult extends LoadOutcome {
  connections: number;
}

/** A flood child is flooding (its sockets are open, or its loops running). */
export interface Flooding {
  type: 'flooding';
}

/** What a flood child did, reported when the parent stops it. */
export interface FloodOutcome {
  scenario: FloodScenario;
  upgrades: number;
  refusedUpgrades: number;
  /** Frames written to its sockets; most wait in socket buffers, unread by the server. */
  framesSent: number;
  /** `too-large` errors that came back: frames the server did read. */
  framesRead: number;
}

export interface FloodStopped {
  type: 'flood-stopped';
  outcome: FloodOutcome;
}

function send(message: Ready | Usage | Mark | Result<unknown> | Flooding | FloodStopped): void {
  if (process.send === undefined) throw new Error('bench children must be started with an IPC channel');
  process.send(message);
}

/** Server child: tell the parent where to connect. */
export function reportReady(port: number): void {
  send({ type: 'ready', port });
}

/** Server child: answer usage requests until killed. */
export function serveUsage(): void {
  const gc = globalThis.gc;
  if (gc === undefined) throw new Error('server children need --expose-gc so RSS is read after a full GC');
  process.on('message', (message: UsageRequest) => {
    if (message.type !== 'usage') return;
    const reply = (): void => {
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      send({
        type: 'usage',
        cpuMicros: cpu.user + cpu.system,
        userMicros: cpu.user,
        rss: mem.rss,
        heapUsed: mem.heapUsed,
        atMs: performance.now(),
      });
    };
    if (!message.settle) return reply();
    gc();
    // One idle pause lets finalizers and freed sockets' native memory go before the second GC.
    setTimeout(() => {
      gc();
      reply();
    }, memory.settleMs);
  });
}

/** Load child: the server's port, passed as the only argument. */
export function portArgument(): number {
  const port = Number(process.argv[2]);
  if (!Number.isInteger(port) || port <= 0) throw new Error(`expected a port argument, got "${process.argv[2]}"`);
  return port;
}

/** Load child: have the parent sample the server now; resolves once it has. */
export function mark(name: MarkName): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: Marked): void => {
      if (message.type !== 'marked') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
    const cpu = process.cpuUsage();
    send({ type: 'mark', name, cpuMicros: cpu.user + cpu.system });
  });
}

/** Load child: hand the result to the parent, which ends this process once it has it. */
export function reportResult(result: unknown): void {
  send({ type: 'result', result });
}

/** Flood child: tell the parent the flood is on. */
export function reportFlooding(): void {
  send({ type: 'flooding' });
}

/** Flood child: resolves when the parent says stop. */
export function stopRequested(): Promise<void> {
  return new Promise((resolve) => {
    const onMessage = (message: { type: string }): void => {
      if (message.type !== 'stop') return;
      process.off('message', onMessage);
      resolve();
    };
    process.on('message', onMessage);
  });
}

/** Flood child: hand what it did to the parent, which ends this process once it has it. */
export function reportFloodStopped(outcome: FloodOutcome): void {
  send({ type: 'flood-stopped', outcome });
}
