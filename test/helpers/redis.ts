/**
 * A real redis-server (Debian's) for the shared-mode tests: on a port from
 * the allocator, loopback only, nothing persisted, in a temp dir of its own.
 * stop() and start() take it away and bring it back on the same port, the
 * way an outage looks to the nodes (their sockets drop, then connect again).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { freeTcpPort } from './ports.js';

const REDIS_SERVER = '/usr/bin/redis-server';
/** How long a fresh redis-server may take to answer PING on a loaded 2-core machine. */
const START_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 10_000;

export interface RedisServer {
  port: number;
  url: string;
  /** SIGTERM; resolves when it exited. */
  stop(): Promise<void>;
  /** (Re)starts on the same port; resolves when it answers PING. */
  start(): Promise<void>;
  /** FLUSHALL: empties it between tests that share it (never any Redis but this one). */
  flush(): Promise<void>;
  /** Stops it if running and removes its temp dir. */
  close(): Promise<void>;
}

export async function startRedis(): Promise<RedisServer> {
  const port = await freeTcpPort();
  const dir = mkdtempSync(join(tmpdir(), 'vc-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';

  const start = async (): Promise<void> => {
    if (child !== undefined) throw new Error(`redis-server on ${port} is already running`);
    output = '';
    const spawned = spawn(
      REDIS_SERVER,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
      { cwd: dir, env: { PATH: process.env.PATH ?? '' }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = spawned;
    const keep = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
    };
    spawned.stdout?.on('data', keep);
    spawned.stderr?.on('data', keep);
    exited = new Promise((resolve) =>
      spawned.on('exit', () => {
        if (child === spawned) child = undefined;
        resolve();
      }),
    );
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (;;) {
      if (child !== spawned) throw new Error(`redis-server on ${port} exited at start: ${output}`);
      if (await pong(port)) return;
      if (Date.now() > deadline) {
        spawned.kill('SIGKILL');
        throw new Error(`redis-server on ${port} did not answer PING within ${START_TIMEOUT_MS} ms: ${output}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  const stop = async (): Promise<void> => {
    const running = child;
    if (running === undefined) return;
    running.kill('SIGTERM');
    const timer = setTimeout(() => running.kill('SIGKILL'), STOP_TIMEOUT_MS);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop,
    start,
    flush: async () => {
      const answer = await command(port, 'FLUSHALL');
      if (!answer.startsWith('+OK')) throw new Error(`FLUSHALL on ${port}: ${answer}`);
    },
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One raw inline PING; true when +PONG came back. */
async function pong(port: number): Promise<boolean> {
  return (await command(port, 'PING')).startsWith('+PONG');
}

/** One inline command on a fresh connection; its first reply line, or '' when none came within a second. */
function command(port: number, line: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const done = (result: string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done(''));
    socket.once('error', () => done(''));
    socket.once('connect', () => socket.write(`${line}\r\n`));
    socket.on('data', (chunk) => {
      answer += chunk.toString();
      if (answer.includes('\r\n')) done(answer);
    });
  });
}

/**
 * One redis-server for the tests of the enclosing describe: started before
 * them, closed after. Returns how to reach it once started.
 */
export function useRedis(): () => RedisServer {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });
  return () => {
    if (redis === undefined) throw new Error('redis-server is not started yet (useRedis starts it in beforeAll)');
    return redis;
  };
}
