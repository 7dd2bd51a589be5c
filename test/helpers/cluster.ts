/**
 * Signaling nodes in shared mode, each its own real process (server/main.ts
 * through tsx, see node-process.ts) sharing one Redis and one SESSION_SECRET,
 * as a deployment behind a load balancer runs them. Ports come from the
 * allocator so that a test can name a node's port before it listens (a
 * balancer's backend list, a node started where Redis is not yet).
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Config } from '../../server/config.js';
import { startBalancer } from './balancer.js';
import { metric } from './metrics.js';
import { NodeProcess, type Exit, type LogLine } from './node-process.js';
import { freeTcpPort } from './ports.js';
import { startServer, type TestServer } from './server.js';

export type { Exit, LogLine };

const webDist = fileURLToPath(new URL('../../web/dist', import.meta.url));
/** How long a node may take from spawn (tsx compiling the server) to answering /healthz on 2 busy cores. */
const START_TIMEOUT_MS = 60_000;

export interface ClusterNode {
  id: string;
  port: number;
  httpUrl: string;
  wsUrl: string;
  pid: number;
  /** The process itself: waitForLog(), alive, stderr(). */
  process: NodeProcess;
  /** Every JSON log line so far, in order. */
  logs(): LogLine[];
  /** SIGKILL; resolves when it exited. */
  kill9(): Promise<void>;
  /** SIGTERM (a drain); resolves with the exit when it exited. */
  terminate(): Promise<Exit>;
  readyz(): Promise<{ status: number; body: unknown }>;
  metrics(): Promise<string>;
}

export interface Cluster {
  nodes: ClusterNode[];
  /** The environment every node shares (options.env included), without PORT and NODE_ID. */
  env: Record<string, string>;
  /** Stops every node still running (SIGTERM, SIGKILL after 10 s). */
  close(): Promise<void>;
  /** Starts one more node, `node-<n+1>`, with the same environment. */
  addNode(): Promise<ClusterNode>;
}

export async function startCluster(options: {
  nodes: number;
  redisUrl: string;
  env?: Record<string, string>;
  /**
   * Wait until each node's /readyz answers 200 (it reached Redis), as a load
   * balancer would before sending it clients; default true. False for a node
   * whose Redis is not there yet.
   */
  ready?: boolean;
}): Promise<Cluster> {
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    LOG_LEVEL: 'debug',
    REDIS_URL: options.redisUrl,
    CLUSTER_HEARTBEAT_MS: '400',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    // Server pings often enough that a silent socket is noticed within a test's bounds.
    HEARTBEAT_INTERVAL_MS: '1000',
    STATIC_DIR: existsSync(webDist) ? webDist : '/nonexistent-static-dir',
    ...options.env,
  };
  const nodes: ClusterNode[] = [];
  let count = 0;
  const addNode = async (): Promise<ClusterNode> => {
    const node = await startNode(`node-${++count}`, env);
    nodes.push(node);
    if (options.ready !== false) await untilReadyz(node, 200, START_TIMEOUT_MS);
    return node;
  };
  const cluster: Cluster = {
    nodes,
    env,
    addNode,
    close: async () => {
      await Promise.all(nodes.map((node) => node.process.stop()));
    },
  };
  try {
    // One at a time: tsx compiling the server in parallel on 2 cores only makes every start slower.
    for (let n = 0; n < options.nodes; n++) await addNode();
  } catch (error) {
    await cluster.close();
    throw error;
  }
  return cluster;
}

async function startNode(id: string, shared: Record<string, string>): Promise<ClusterNode> {
  const port = await freeTcpPort();
  const child = new NodeProcess('server/main.ts', { env: { ...shared, PORT: String(port), NODE_ID: id } });
  const httpUrl = `http://127.0.0.1:${port}`;
  try {
    await untilHealthy(child, httpUrl);
  } catch (error) {
    child.child.kill('SIGKILL');
    await child.exited;
    throw error;
  }
  return {
    id,
    port,
    httpUrl,
    wsUrl: `ws://127.0.0.1:${port}/ws`,
    pid: child.pid,
    process: child,
    logs: () => child.lines,
    kill9: async () => {
      if (child.alive) child.child.kill('SIGKILL');
      await child.exited;
    },
    terminate: async () => {
      if (child.alive) child.child.kill('SIGTERM');
      return child.exited;
    },
    readyz: () => readyz(httpUrl),
    metrics: async () => (await fetch(`${httpUrl}/metrics`)).text(),
  };
}

async function untilHealthy(child: NodeProcess, httpUrl: string): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (!child.alive) throw new Error(`node exited before /healthz answered: ${child.stderr().slice(-2000)}`);
    try {
      const response = await fetch(`${httpUrl}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      throw new Error(`no /healthz from ${httpUrl} within ${START_TIMEOUT_MS} ms: ${child.stderr().slice(-2000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Polls a node's /readyz until it answers `status`; resolves with the body and
 * how long it took. Throws after `timeoutMs`, naming the last answer.
 */
export async function untilReadyz(
  node: ClusterNode,
  status: number,
  timeoutMs: number,
): Promise<{ body: unknown; elapsedMs: number }> {
  return untilReady(node.httpUrl, timeoutMs, status, node.id);
}

async function untilReady(
  httpUrl: string,
  timeoutMs: number,
  status = 200,
  name = httpUrl,
): Promise<{ body: unknown; elapsedMs: number }> {
  const started = performance.now();
  let last: { status: number; body: unknown } | string;
  for (;;) {
    try {
      last = await readyz(httpUrl);
      if (last.status === status) return { body: last.body, elapsedMs: performance.now() - started };
    } catch (error) {
      last = String(error);
    }
    if (performance.now() - started > timeoutMs) {
      throw new Error(`${name}: /readyz did not answer ${status} within ${timeoutMs} ms; last ${JSON.stringify(last)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function readyz(httpUrl: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`${httpUrl}/readyz`);
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text) };
  } catch {
    // Not JSON: the raw text is what the test gets to see.
    return { status: response.status, body: text };
  }
}

/**
 * The value of the sample of `name` whose labels include `labels` (in any
 * order, as prom-client may write them), or undefined when there is none.
 */
export function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const row of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(row);
    if (match === null || match[1] !== name) continue;
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([key, value]) => have.get(key) === value)) return Number(match[3]);
  }
  return undefined;
}

/**
 * What a suite written for one in-process server (test/helpers/server.ts) runs
 * against, so that the same cases prove one node and two sharing a Redis
 * behave alike.
 */
export interface Target {
  nodes: TestServer[];
  /** Where a client connects: the only node, or a balancer that hands each connection to the next node. */
  wsUrl: string;
  /** One node's config (every node has the same). */
  config: Config;
  /** Every node's log lines. */
  readonly logs: string[];
  /** A sample of /metrics summed over every node; 0 when no node has it yet. */
  metric(series: string): Promise<number>;
  close(): Promise<void>;
}

/**
 * One in-process server with `env`, as startServer(); with `redisUrl`, two
 * (node-1, node-2) in shared mode on that Redis, behind a round-robin
 * balancer, so that the clients of one room alternate between them. With
 * `oneNode`, clients connect to node-1 only: for a limit each node keeps for
 * itself (its sockets, its per-address counts), which no Redis shares.
 */
export async function startTarget(
  env: Record<string, string>,
  { redisUrl, oneNode = false }: { redisUrl?: string; oneNode?: boolean } = {},
): Promise<Target> {
  if (redisUrl === undefined) {
    const server = await startServer(env);
    return {
      nodes: [server],
      wsUrl: server.wsUrl,
      config: server.config,
      logs: server.logs,
      metric: (series) => metric(server.httpUrl, series),
      close: () => server.close(),
    };
  }
  const nodes: TestServer[] = [];
  const sessionSecret = env.SESSION_SECRET ?? randomBytes(32).toString('hex');
  try {
    for (const id of ['node-1', 'node-2']) {
      const node = await startServer({ ...env, REDIS_URL: redisUrl, NODE_ID: id, SESSION_SECRET: sessionSecret });
      nodes.push(node);
      // Listening comes before reaching Redis: until then a join would be told server-unavailable.
      await untilReady(node.httpUrl, START_TIMEOUT_MS);
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.close()));
    throw error;
  }
  const ports = nodes.map((node) => Number(new URL(node.httpUrl).port));
  const balancer = oneNode ? undefined : await startBalancer(() => ports);
  return {
    nodes,
    wsUrl: balancer?.wsUrl ?? nodes[0]!.wsUrl,
    config: nodes[0]!.config,
    get logs() {
      return nodes.flatMap((node) => node.logs);
    },
    metric: async (series) => {
      const samples = await Promise.all(nodes.map((node) => metric(node.httpUrl, series)));
      return samples.reduce((sum, value) => sum + value, 0);
    },
    close: async () => {
      await balancer?.close();
      await Promise.all(nodes.map((node) => node.close()));
    },
  };
}
