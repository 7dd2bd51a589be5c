/**
 * What a round runs against: one node with its rooms in memory, or two nodes
 * sharing a Redis. Every node is the compiled server (build.ts) in a process
 * of its own, on a loopback port from the test suites' allocator, answering
 * usage requests over IPC through the preloaded probe.
 */
import { randomBytes } from 'node:crypto';
import { freeTcpPort } from '../../test/helpers/ports.js';
import type { Usage, UsageRequest } from '../signaling/ipc.js';
import { forkCompiled, kill, output, type ForkedChild } from '../lib/children.js';
import { REPO_ROOT } from '../lib/paths.js';
import type { Built } from './build.js';
import type { Ports } from './clients.js';
import { RAISED_LIMITS, START_TIMEOUT_MS, type Topology } from './params.js';
import { RedisChild } from './redis.js';

const READY_POLL_MS = 50;
/** A usage reply settles with two GCs and an idle pause; with 10 000 sockets that is still seconds at most. */
const USAGE_TIMEOUT_MS = 60_000;

export class NodeChild {
  private constructor(
    readonly id: string,
    readonly port: number,
    private readonly child: ForkedChild,
  ) {}

  get pid(): number {
    return this.child.pid;
  }

  /** `nodeFlags`: more flags for node, e.g. --cpu-prof (profile.ts). */
  static async start(id: string, built: Built, env: Record<string, string>, nodeFlags: string[]): Promise<NodeChild> {
    const port = await freeTcpPort();
    const child = forkCompiled(`node ${id}`, built.main, [], {
      execArgv: ['--expose-gc', ...nodeFlags, '--import', built.probe],
      env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
      // STATIC_DIR and the like resolve from the checkout, as they do for `npm start`.
      cwd: REPO_ROOT,
    });
    const node = new NodeChild(id, port, child);
    try {
      await node.ready();
      return node;
    } catch (error) {
      await node.kill();
      throw new Error(`node ${id} did not start: ${(error as Error).message}\n${output(child).slice(-2000)}`, {
        cause: error,
      });
    }
  }

  /** Resolves once /readyz says 200: listening, and in shared mode connected to Redis. */
  private async ready(): Promise<void> {
    const deadline = performance.now() + START_TIMEOUT_MS;
    let last = 'no answer';
    while (performance.now() < deadline) {
      if (!this.child.running()) throw new Error('the process exited');
      try {
        const response = await fetch(`http://127.0.0.1:${this.port}/readyz`);
        if (response.status === 200) return;
        last = `${response.status} ${await response.text()}`;
      } catch (error) {
        last = (error as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, READY_POLL_MS));
    }
    throw new Error(`/readyz not 200 within ${START_TIMEOUT_MS} ms (last: ${last})`);
  }

  /** CPU and memory as the node sees them; `settle` GCs first, for a steady RSS. */
  usage(settle: boolean): Promise<Usage> {
    const ipc = this.child.process;
    return new Promise((resolve, reject) => {
      const finish = (error: Error | undefined, usage?: Usage): void => {
        clearTimeout(timer);
        ipc.off('message', onMessage);
        ipc.off('exit', onExit);
        if (usage !== undefined) resolve(usage);
        else reject(error);
      };
      const onMessage = (message: Usage): void => {
        if (message.type === 'usage') finish(undefined, message);
      };
      const onExit = (): void => finish(new Error(`node ${this.id} exited before answering a usage request`));
      const timer = setTimeout(
        () => finish(new Error(`node ${this.id} sent no usage within ${USAGE_TIMEOUT_MS} ms`)),
        USAGE_TIMEOUT_MS,
      );
      ipc.on('message', onMessage);
      ipc.once('exit', onExit);
      ipc.send({ type: 'usage', settle } satisfies UsageRequest, (error) => {
        if (error !== null) finish(error);
      });
    });
  }

  /** SIGKILL: a round's processes are thrown away, and a drain would only add work after the window. */
  async kill(): Promise<void> {
    kill(this.child.process);
    await this.child.exited;
  }

  /** SIGTERM, and SIGKILL if it has not exited within `graceMs`: an exit of its own writes a --cpu-prof profile. */
  terminate(graceMs: number): Promise<void> {
    return this.child.stop(graceMs);
  }

  /** Its warnings and errors (LOG_LEVEL=warn), for a failed round's report. */
  logs(): string {
    return output(this.child);
  }
}

export class Deployment {
  private constructor(
    readonly topology: Topology,
    readonly nodes: NodeChild[],
    readonly redis: RedisChild | undefined,
  ) {}

  /**
   * Fresh processes: a single node, or Redis and then two nodes sharing it and one SESSION_SECRET.
   * `firstNodeFlags` go to the first node only (profile.ts profiles one node).
   */
  static async start(topology: Topology, built: Built, firstNodeFlags: string[] = []): Promise<Deployment> {
    const common = { ...RAISED_LIMITS, SESSION_SECRET: randomBytes(32).toString('base64url') };
    if (topology === 'single') {
      return new Deployment(topology, [await NodeChild.start('single', built, common, firstNodeFlags)], undefined);
    }
    const redis = await RedisChild.start();
    const nodes: NodeChild[] = [];
    try {
      for (const id of ['node-1', 'node-2']) {
        const env = { ...common, REDIS_URL: redis.url, NODE_ID: `bench-${id}` };
        nodes.push(await NodeChild.start(id, built, env, nodes.length === 0 ? firstNodeFlags : []));
      }
      return new Deployment(topology, nodes, redis);
    } catch (error) {
      await Promise.all(nodes.map((node) => node.kill()));
      await redis.close();
      throw error;
    }
  }

  /** Single node: both peers of a room on it. Cross-node: the first peer on node 1, the second on node 2. */
  get ports(): Ports {
    const [first, second = first] = this.nodes;
    if (first === undefined || second === undefined) throw new Error('a deployment without nodes');
    return { a: first.port, b: second.port };
  }

  /** Every process whose CPU counts as the server's: the nodes, and Redis when there is one. */
  get processes(): Array<{ name: string; pid: number }> {
    const nodes = this.nodes.map((node) => ({ name: node.id, pid: node.pid }));
    return this.redis === undefined ? nodes : [...nodes, { name: 'redis', pid: this.redis.pid }];
  }

  /** Kills every process; with `graceMs`, SIGTERMs the nodes first and gives them that long to exit. */
  async close(graceMs?: number): Promise<void> {
    await Promise.all(this.nodes.map((node) => (graceMs === undefined ? node.kill() : node.terminate(graceMs))));
    await this.redis?.close();
  }
}
