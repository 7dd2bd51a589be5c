/**
 * docker-compose.yml in shared mode, as docs/deploy.md#shared-mode has an
 * operator run it: the cluster profile (redis), REDIS_URL, one
 * SESSION_SECRET, APP_PORT empty and `up -d --scale app=2`. A relay-only call
 * between two real browsers through Caddy whose pages land on different
 * replicas, proven by each replica's own /metrics on its own loopback port;
 * then one replica stopped as a rolling upgrade stops it, its page resuming
 * on the other with the same peer id while the call goes on.
 */
import { randomBytes } from 'node:crypto';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, CHROMIUM_FLAGS } from '../helpers/chromium.js';
import { events, expectFramesFlowing, openPage, remoteVideos, waitForEvent, waitForState } from '../e2e/browser.js';
import { httpsGet, relayOnly, settledPath, untilHttpsAnswers } from './clients.js';
import { backoffDelay } from '../../web/client/signaling-client.js';
import { ComposeStack } from './compose.js';
import { api } from './engine.js';
import { stackEnv } from './stack-env.js';
import { stackTokens, type StackTokens } from './room-tokens.js';

const REPLICAS = 2;
const HEARTBEAT_MS = 5_000;
/** How long a replica may take to start and reach redis on a loaded machine. */
const START_MS = 120_000;
/** How many times the second page joins again when the balancer put it beside the first. */
const JOIN_ATTEMPTS = 4;
/** How long a replica's own view of its members may trail a page's welcome: a scrape after a join or a leave. */
const METRICS_SETTLE_MS = 10_000;
/**
 * A page told server-shutdown reconnects with backoff, and its tries while the
 * replica drains are refused: it resumes within its longest wait (the
 * client's cap, reached after a few refusals) and a settle.
 */
const RESUME_MS = backoffDelay(Number.POSITIVE_INFINITY, 1) + METRICS_SETTLE_MS;

const sum = (counts: number[]) => counts.reduce((a, b) => a + b, 0);

/** One replica as an operator reaches it: its loopback port, which `docker compose port --index` names. */
interface Replica {
  index: number;
  containerId: string;
  url: string;
  node: string;
}

/** `vc_cluster_members{node="…"} n` from a replica's metrics: its node id and its seated sockets. */
function members(text: string): { node: string; count: number } {
  const match = /^vc_cluster_members\{node="([^"]+)"\} (\d+)$/m.exec(text);
  if (match === null) throw new Error(`no vc_cluster_members in /metrics:\n${text.slice(0, 2000)}`);
  return { node: match[1] as string, count: Number(match[2]) };
}

async function metricsOf(replica: Replica): Promise<string> {
  const response = await fetch(`${replica.url}/metrics`);
  if (response.status !== 200) throw new Error(`${replica.url}/metrics: ${response.status}`);
  return response.text();
}

/** Members per replica, polled until `wanted` says yes (the gauge is read at scrape time, after the join). */
async function untilMembers(
  replicas: Replica[],
  wanted: (counts: number[]) => boolean,
  what: string,
  timeoutMs = METRICS_SETTLE_MS,
): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const counts = await Promise.all(replicas.map(async (replica) => members(await metricsOf(replica)).count));
    if (wanted(counts)) return counts;
    if (Date.now() > deadline) throw new Error(`${what}: members per replica still ${JSON.stringify(counts)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Until a replica's /readyz says 200: it listens and reaches redis. (Its
 * container healthcheck spawns node, which a loaded machine can take longer
 * to start than the check's timeout.)
 */
async function untilReady(url: string): Promise<void> {
  const deadline = Date.now() + START_MS;
  for (;;) {
    const status = await fetch(`${url}/readyz`).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${url}/readyz: ${status} after ${START_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

describe('docker-compose.yml in shared mode: the cluster profile and --scale app=2', () => {
  let browser: Browser;
  let stack: ComposeStack;
  let tokens: StackTokens;
  let origin: string;
  let rootCa: string;
  let replicas: Replica[] = [];

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [...CHROMIUM_FLAGS, '--autoplay-policy=no-user-gesture-required', '--ignore-certificate-errors'],
    });
    tokens = await stackTokens('bundled');
    const env = {
      ...(await stackEnv('bundled')),
      ...tokens.env,
      COMPOSE_PROFILES: 'bundled,cluster',
      REDIS_URL: 'redis://redis:6379',
      // Replicas cannot share a host port: each gets one the engine picks.
      APP_PORT: '',
      // This machine runs other suites beside this one, often at several times its two cores' load:
      // a replica can stall past the default 2 s heartbeat's two intervals and be reaped alive
      // ("reaped a node that stopped renewing its liveness", of a running replica, seen here).
      CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS),
    };
    stack = await ComposeStack.create(`vc-compose-cluster-${randomBytes(3).toString('hex')}`, env);
    origin = `https://localhost:${env.HTTPS_PORT}`;
    await stack.runOk(['up', '-d', '--scale', `app=${REPLICAS}`], 240_000);
    await stack.waitHealthy(['app'], 120_000, REPLICAS);
    await stack.waitHealthy(['redis', 'turn', 'proxy', 'router']);
    rootCa = await stack.runOk(['exec', '-T', 'proxy', 'cat', '/data/caddy/pki/authorities/local/root.crt']);
    await untilHttpsAnswers(`${origin}/healthz`, rootCa).catch(async (error: Error) => {
      throw new Error(`${error.message}\n${(await stack.logs('proxy')).slice(-4000)}`);
    });
    replicas = await Promise.all(Array.from({ length: REPLICAS }, (_, i) => replica(i + 1)));
  });

  /** Replica number `index` as an operator finds it: `docker compose port --index`, then its /metrics. */
  async function replica(index: number): Promise<Replica> {
    const containers = await Promise.all((await stack.containerIds('app')).map((id) => stack.inspectId(id)));
    // `port --index` counts replicas by compose's container number, which each container carries as a label.
    const container = containers.find(
      (one) => one.Config.Labels['com.docker.compose.container-number'] === String(index),
    );
    if (container === undefined) throw new Error(`no app replica number ${index}`);
    const address = (await stack.runOk(['port', '--index', String(index), 'app', '8080'])).trim();
    const url = `http://${address}`;
    await untilReady(url);
    const node = members(await (await fetch(`${url}/metrics`)).text()).node;
    return { index, containerId: container.Id, url, node };
  }

  afterAll(async () => {
    for (const context of browser?.contexts() ?? []) await context.close();
    await browser?.close();
    await tokens?.cleanup();
    await stack?.down();
  });

  it('runs two app replicas, redis, the relay and the proxy', async () => {
    expect(await stack.runningServices()).toEqual(['app', 'app', 'proxy', 'redis', 'router', 'turn']);
  });

  it('runs redis with nothing kept on disk, writes refused (not keys evicted) past its cap, and no host port', async () => {
    const redis = await stack.inspect('redis');
    expect(redis.HostConfig.RestartPolicy.Name).toBe('unless-stopped');
    expect(Object.values(redis.HostConfig.PortBindings ?? {}).flatMap((bindings) => bindings ?? [])).toEqual([]);
    const output = await stack.runOk(['exec', '-T', 'redis', 'redis-cli', 'CONFIG', 'GET', '*']);
    const lines = output.replace(/\r/g, '').split('\n');
    const config = new Map<string, string>();
    for (let i = 0; i + 1 < lines.length; i += 2) config.set(lines[i] as string, lines[i + 1] as string);
    expect(config.get('save')).toBe('');
    expect(config.get('appendonly')).toBe('no');
    expect(config.get('maxmemory-policy')).toBe('noeviction');
    expect(Number(config.get('maxmemory'))).toBeGreaterThan(0);
  });

  it('publishes each replica on a loopback port of its own, whose /metrics speak for that one node, up on redis', async () => {
    expect(replicas).toHaveLength(REPLICAS);
    for (const replica of replicas) expect(new URL(replica.url).hostname).toBe('127.0.0.1');
    expect(new Set(replicas.map((replica) => replica.url)).size).toBe(REPLICAS);
    expect(new Set(replicas.map((replica) => replica.node)).size).toBe(REPLICAS);
    for (const replica of replicas) {
      const text = await metricsOf(replica);
      expect(text).toContain(`vc_cluster_redis_up{node="${replica.node}"} 1`);
      expect(members(text)).toEqual({ node: replica.node, count: 0 });
    }
    // Through the proxy, /metrics stays refused, as with one replica.
    expect((await httpsGet(`${origin}/metrics`, rootCa)).status).toBe(404);
  });

  let ada: Page;
  let bob: Page;
  let adaReplica: number;
  let bobReplica: number;
  let bobId: string;

  it('carries a relay-only call through the proxy between two browsers whose pages are on different replicas', async () => {
    const room = 'compose-cluster';
    ada = await openPage(browser, await tokens.link(stack, origin, room, 'Ada'), 'Ada', relayOnly);
    await waitForEvent(ada, 'vc-joined');
    let counts = await untilMembers(replicas, (c) => sum(c) === 1, "Ada's join");
    adaReplica = counts.indexOf(1);
    for (let attempt = 1; ; attempt++) {
      bob = await openPage(browser, await tokens.link(stack, origin, room, 'Bob'), 'Bob', relayOnly);
      await waitForEvent(bob, 'vc-joined');
      counts = await untilMembers(replicas, (c) => sum(c) === 2, "Bob's join");
      if (counts[adaReplica] === 1) break;
      if (attempt === JOIN_ATTEMPTS)
        throw new Error(`Bob's page joined on Ada's replica ${JOIN_ATTEMPTS} times: ${JSON.stringify(counts)}`);
      // Beside Ada: leave, and move the balancer's turn on by one request, since the next
      // page load makes as many requests as this one did and would land the same way.
      await bob.context().close();
      await untilMembers(replicas, (c) => sum(c) === 1, "Bob's leave");
      await httpsGet(`${origin}/healthz`, rootCa);
    }
    bobReplica = counts.findIndex((count, i) => count === 1 && i !== adaReplica);
    expect(bobReplica).toBeGreaterThanOrEqual(0);
    bobId = ((await waitForEvent(bob, 'vc-joined'))[1] as { id: string }).id;

    await waitForState(ada, 'connected', 60_000);
    await waitForState(bob, 'connected', 60_000);
    await expectFramesFlowing(ada);
    await expectFramesFlowing(bob);
    for (const page of [ada, bob]) expect(await settledPath(page)).toMatchObject({ path: 'relay', local: 'relay' });
    // Each replica seats one of them, and the offer and answer crossed between them through redis.
    for (const [i, replica] of replicas.entries()) {
      const text = await metricsOf(replica);
      expect(members(text)).toEqual({ node: replica.node, count: 1 });
      const out = new RegExp(`^vc_cluster_messages_total\\{[^}]*direction="out"[^}]*\\} (\\d+)$`, 'm').exec(text);
      expect(Number(out?.[1] ?? 0), `replica ${i + 1} sent nothing to the other`).toBeGreaterThan(0);
    }
  });

  it('replaces a replica as a rolling upgrade does: its page resumes on another with the same peer id, the call going on', async () => {
    expect(bob, 'the call test ran').toBeDefined();
    const leaving = replicas[bobReplica] as Replica;
    const staying = replicas[adaReplica] as Replica;
    // docs/deploy.md#rolling-upgrade, one step: one replica more beside the running ones...
    await stack.runOk(['up', '-d', '--no-deps', '--no-recreate', '--scale', `app=${REPLICAS + 1}`, 'app']);
    const fresh = await replica(REPLICAS + 1);
    expect([staying.node, leaving.node]).not.toContain(fresh.node);
    // ...then `docker stop` of an old one: SIGTERM, and the engine waits for the exit (stop_grace_period 15 s).
    const stopped = await api(`/containers/${leaving.containerId}/stop?t=15`, 'POST', 30_000);
    expect(stopped.status).toBe(204);
    expect((await stack.inspectId(leaving.containerId, 'the stopped replica')).State.ExitCode).toBe(0);
    expect((await api(`/containers/${leaving.containerId}`, 'DELETE')).status).toBe(204);
    // Bob's page reconnects through the proxy and resumes on one of the two replicas left.
    await untilMembers([staying, fresh], (counts) => sum(counts) === 2, "Bob's resume", RESUME_MS);
    await waitForState(bob, 'connected', 60_000);
    await expectFramesFlowing(ada);
    await expectFramesFlowing(bob);
    // Ada still knows Bob by the same id, on the same tile, and was never told he left (she was told
    // of a page the join loop closed beside her, if there was one: that was another peer).
    expect((await remoteVideos(ada)).map((video) => video.peer)).toEqual([bobId]);
    expect((await events(ada, 'vc-peer-left')).filter(([, detail]) => detail.id === bobId)).toEqual([]);
  });
});
