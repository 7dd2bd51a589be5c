/**
 * The one allocator for ports a test must name before a process binds them:
 * relay port windows (TURN_MIN_PORT–TURN_MAX_PORT) and the single ports of
 * servers that cannot be told "port 0" and read back (coturn, the launcher,
 * a server restarted on its old port). Whatever can listen on port 0 and
 * report the port it got (our relay's listeners, the signaling server) does
 * that instead.
 *
 * Ports come from 20000–29999, below Linux's ephemeral range (32768–60999),
 * so no socket bound to port 0 (ours, Chromium's, another suite's) ever lands
 * on one. The range is cut into blocks of 50; a block belongs to whoever
 * holds its lock, a TCP listener on 127.0.0.1:(30000 + block). The kernel
 * makes taking a lock atomic across test workers, vitest projects and
 * concurrent runs of the suite on one machine, and frees it when its holder
 * exits, so a crashed run leaves nothing stale.
 *
 * Residual race: the relay and coturn bind their ports themselves, so between
 * this allocator and their bind a port is reserved, not held. Only a process
 * that binds a fixed port in 20000–29999 without asking here could take it.
 */
import { createSocket } from 'node:dgram';
import { createServer, type Server } from 'node:net';

const FIRST_PORT = 20_000;
const BLOCK_SIZE = 50;
const BLOCKS = 200;
const FIRST_LOCK_PORT = FIRST_PORT + BLOCK_SIZE * BLOCKS;
const SINGLE_PORTS: unique symbol = Symbol.for('video-call.test.single-ports');

export interface PortWindow {
  min: number;
  max: number;
  /** The window as the relay reads it. */
  env: { TURN_MIN_PORT: string; TURN_MAX_PORT: string };
  /** Frees the window for other tests; the process's exit does the same. */
  release(): void;
}

/** `size` consecutive ports that no other holder of this allocator is using. */
export async function portWindow(size: number): Promise<PortWindow> {
  const count = Math.ceil(size / BLOCK_SIZE);
  if (!Number.isInteger(size) || size < 1 || count > BLOCKS) throw new Error(`no window of ${size} ports`);
  // Processes start at different blocks, so concurrent ones rarely try the same lock first.
  const start = process.pid % BLOCKS;
  for (let offset = 0; offset < BLOCKS; offset++) {
    const first = (start + offset) % BLOCKS;
    if (first + count > BLOCKS) continue;
    const locks = await lockBlocks(first, count);
    if (locks === undefined) continue;
    const min = FIRST_PORT + first * BLOCK_SIZE;
    const max = min + size - 1;
    return {
      min,
      max,
      env: { TURN_MIN_PORT: String(min), TURN_MAX_PORT: String(max) },
      release: () => {
        for (const lock of locks) lock.close();
      },
    };
  }
  throw new Error(`all ${BLOCKS} port blocks of ${BLOCK_SIZE} are taken`);
}

/**
 * A port free over UDP and TCP on every address, for a server that must be
 * told its port. It stays this process's until the process exits.
 */
export async function freeUdpPort(): Promise<number> {
  return singlePorts().next();
}

/** The same as freeUdpPort: every port it hands out is free over both. */
export const freeTcpPort = freeUdpPort;

async function lockBlocks(first: number, count: number): Promise<Server[] | undefined> {
  const locks: Server[] = [];
  for (let block = first; block < first + count; block++) {
    const lock = await listen(FIRST_LOCK_PORT + block);
    if (lock === undefined) {
      for (const taken of locks) taken.close();
      return undefined;
    }
    locks.push(lock);
  }
  return locks;
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      // A lock must not keep a test process alive.
      server.unref();
      resolve(server);
    });
  });
}

/** Single ports are handed out one at a time from a window held for the process's life. */
class SinglePorts {
  private window: PortWindow | undefined;
  private nextPort = 0;

  async next(): Promise<number> {
    for (;;) {
      if (this.window === undefined || this.nextPort > this.window.max) {
        this.window = await portWindow(BLOCK_SIZE);
        this.nextPort = this.window.min;
      }
      const port = this.nextPort++;
      if ((await udpFree(port)) && (await tcpFree(port))) return port;
    }
  }
}

/** One pool per process, whichever copy of this module a test file loaded. */
function singlePorts(): SinglePorts {
  const holder = globalThis as typeof globalThis & { [SINGLE_PORTS]?: SinglePorts };
  holder[SINGLE_PORTS] ??= new SinglePorts();
  return holder[SINGLE_PORTS];
}

function udpFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind(port, '0.0.0.0', () => socket.close(() => resolve(true)));
  });
}

async function tcpFree(port: number): Promise<boolean> {
  const server = createServer();
  const bound = await new Promise<boolean>((resolve) => {
    server.once('error', () => resolve(false));
    server.listen(port, '0.0.0.0', () => resolve(true));
  });
  if (bound) await new Promise<void>((resolve) => server.close(() => resolve()));
  return bound;
}
