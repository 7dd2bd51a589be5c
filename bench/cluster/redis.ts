/**
 * The Redis of a cross-node round: Debian's redis-server on a loopback port
 * from the test suites' allocator, no persistence, in a temp dir of its own,
 * recorded by PID like every bench child. Its memory is read the way Redis
 * reports it (INFO memory) and the way the kernel does (VmRSS).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freeTcpPort } from '../../test/helpers/ports.js';
import { output, start, type Child } from '../lib/children.js';
import { START_TIMEOUT_MS } from './params.js';

export const REDIS_SERVER = '/usr/bin/redis-server';
const PING_INTERVAL_MS = 50;

export interface RedisMemory {
  /** INFO memory's used_memory: what Redis allocated for its data and buffers. */
  usedBytes: number;
  /** The process's resident set, allocator slack and all. */
  rssBytes: number;
}

export class RedisChild {
  private constructor(
    readonly port: number,
    private readonly child: Child,
    private readonly client: Redis,
    private readonly dir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  get pid(): number {
    return this.child.pid;
  }

  static async start(): Promise<RedisChild> {
    if (!existsSync(REDIS_SERVER)) {
      throw new Error(`${REDIS_SERVER} is missing: install Debian's redis-server package`);
    }
    const port = await freeTcpPort();
    const dir = await mkdtemp(join(tmpdir(), 'bench-cluster-redis-'));
    const child = start('redis-server', REDIS_SERVER, [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ]);
    // The bench's own connection, for INFO; it never retries, so a dead Redis fails the round at once.
    const client = new Redis(port, '127.0.0.1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    // Refused connects while redis-server starts come back through connect(); the event would only repeat them.
    client.on('error', () => undefined);
    const redis = new RedisChild(port, child, client, dir);
    try {
      await redis.answering();
      return redis;
    } catch (error) {
      await redis.close();
      throw new Error(`redis-server did not start: ${(error as Error).message}\n${output(child).slice(-2000)}`, {
        cause: error,
      });
    }
  }

  /** Resolves once Redis answers PING. */
  private async answering(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    for (;;) {
      if (!this.child.running()) throw new Error('the process exited');
      try {
        await this.client.connect();
        if ((await this.client.ping()) === 'PONG') return;
      } catch (error) {
        if (performance.now() > deadline) throw error;
        this.client.disconnect();
        await new Promise((resolve) => setTimeout(resolve, PING_INTERVAL_MS));
      }
    }
  }

  async memory(): Promise<RedisMemory> {
    const info = await this.client.info('memory');
    const used = /^used_memory:(\d+)\r?$/m.exec(info)?.[1];
    if (used === undefined) throw new Error('INFO memory has no used_memory');
    return { usedBytes: Number(used), rssBytes: rssBytes(this.child.pid) };
  }

  async close(): Promise<void> {
    this.client.disconnect();
    await this.child.stop();
    await rm(this.dir, { recursive: true, force: true });
  }
}

function rssBytes(pid: number): number {
  const kb = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for ${pid}`);
  return Number(kb) * 1024;
}
