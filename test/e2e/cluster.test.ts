/**
 * Calls between real Chromium pages whose signaling runs on different nodes
 * of a shared-mode cluster (real server processes, one real redis-server):
 * the call connects across nodes, survives the kill -9 of one page's node,
 * and rides through a SIGTERM drain without a stall, each page keeping its
 * peer id and its one RTCPeerConnection.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startBalancer, type Balancer } from '../helpers/balancer.js';
import { sample, startCluster, type Cluster, type ClusterNode } from '../helpers/cluster.js';
import { startRedis, type RedisServer } from '../helpers/redis.js';
import { backoffDelay } from '../../web/client/signaling-client.js';
import { events, expectFramesFlowing, framesDecoded, launch, waitForEvent, waitForState } from './browser.js';
import {
  connectionStates,
  openRecordedPage,
  pageNow,
  stalls,
  startSampling,
  stopSampling,
  waitForWelcome,
  welcomes,
  wire,
  type Wire,
} from './cluster-pages.js';
import { localMembers, Routing, waitForMembers } from './cluster-routing.js';
import { FAKE_VIDEO, fakeCamera, type FakeCamera } from './cluster-video.js';

/** CLUSTER_HEARTBEAT_MS of every node. */
const HEARTBEAT_MS = 500;
/** The contract: a node silent this long is dead, its seats removed and its peers told. */
const DEAD_AFTER_MS = 2.5 * HEARTBEAT_MS;
/** The element's first reconnect comes this long after its socket closed, at the soonest and at the latest. */
const FIRST_RETRY_MIN_MS = backoffDelay(1, 0);
const FIRST_RETRY_MAX_MS = backoffDelay(1, 1);
/**
 * How often the balancer's health check asks every /readyz: twice within the
 * element's soonest reconnect, so a node that turned 503 when it told its
 * clients to go has left the backend list before any of them comes back.
 */
const PROBE_MS = FIRST_RETRY_MIN_MS / 2;
/** A probe unanswered for the liveness TTL counts its node out: the cluster would call it dead by then. */
const PROBE_TIMEOUT_MS = 2 * HEARTBEAT_MS;
/**
 * From the moment the page saw its socket close to its rejoin's welcome: the
 * first retry, through the balancer (which skips a dead node at connect),
 * then a join, given the liveness TTL (two heartbeat intervals): the longest
 * the cluster itself lets a node go without answering before it calls it dead.
 */
const REJOIN_MS = FIRST_RETRY_MAX_MS + 2 * HEARTBEAT_MS;
/**
 * A drained node still accepts connections (it answers /readyz 503) until it
 * exits, and refuses their upgrade: should the first retry get there before
 * the health check has dropped it, the second is the rejoin.
 */
const DRAIN_REJOIN_MS = REJOIN_MS + backoffDelay(2, 1);
/** SHUTDOWN_GRACE_MS of every node (the default): a drained node exits by then, well after any rejoin. */
const SHUTDOWN_GRACE_MS = 5_000;
/**
 * How long a test waits for a rejoin before it gives up (the bounds above are
 * asserted on the page's own clock afterwards, so a late rejoin fails with its
 * time): a drained node's whole grace period, or a dead node's reaping, and the
 * rejoin on top of either.
 */
const DRAIN_PATIENCE_MS = SHUTDOWN_GRACE_MS + DRAIN_REJOIN_MS;
const DEATH_PATIENCE_MS = DEAD_AFTER_MS + REJOIN_MS;
/** "Flowing" is one second of the source's frames newly decoded... */
const FLOWING_FRAMES = FAKE_VIDEO.fps;
/** ...within twice the second the source takes to send them: room for a busy machine, none for a stopped stream. */
const FLOWING_MS = 2 * 1000;
/** How often the drain case samples frames decoded, in the page. */
const SAMPLE_MS = 250;
/**
 * The longest a page may see no new decoded frame across the drain. The
 * source sends a frame every 50 ms, so in a live stream every sample sees new
 * ones, and a sample that sees none proves a pause of a sample period: already
 * longer than webrtc-stats' freeze threshold, max(3 frame intervals, 1 frame
 * interval + 150 ms) = 200 ms here. One such sample is tolerated, for a busy
 * 2-core machine (it shows as one period, up to half a period late); two in
 * a row are an interruption. (A connection torn down and rebuilt is caught
 * apart from this: its counter starts again from 0, and the page has a second
 * RTCPeerConnection.)
 */
const MAX_STALL_MS = 1.5 * SAMPLE_MS;

let camera: FakeCamera;
let browser: Browser;
let redis: RedisServer;
let cluster: Cluster;
let balancer: Balancer | undefined;
let routing: Routing | undefined;

// One cluster for the file (starting a node is seconds of tsx on 2 cores): three nodes, so that
// each case has two live ones when the one before it killed a node; each case has its own room.
beforeAll(async () => {
  camera = await fakeCamera();
  browser = await launch({ flags: camera.flags });
  redis = await startRedis();
  cluster = await startCluster({
    nodes: 3,
    redisUrl: redis.url,
    env: {
      CLUSTER_HEARTBEAT_MS: String(HEARTBEAT_MS),
      SHUTDOWN_GRACE_MS: String(SHUTDOWN_GRACE_MS),
      // The server's default WebSocket ping: a killed node's sockets close with it, so nothing here waits on a
      // ping, and the cluster helper's one-second one cuts a page that a busy machine kept from answering in time.
      HEARTBEAT_INTERVAL_MS: '10000',
      LOG_LEVEL: 'info',
    },
  });
});
afterAll(async () => {
  await browser.close();
  await cluster.close();
  await redis.close();
  await camera.close();
});
let logsFrom = new Map<ClusterNode, number>();
beforeEach(() => {
  logsFrom = new Map(cluster.nodes.map((node) => [node, node.logs().length]));
});
afterEach(async ({ task }) => {
  // A failure across processes is read in the nodes' warnings (a reaped node, a lost seat) as much as in the pages.
  if (task.result?.state === 'fail') {
    for (const node of cluster.nodes) {
      for (const line of node.logs().slice(logsFrom.get(node) ?? 0)) {
        if ((line.level ?? 0) >= 40) console.error(`[${node.id}] ${JSON.stringify(line)}`);
      }
    }
  }
  for (const context of browser.contexts()) await context.close();
  routing?.close();
  routing = undefined;
  await balancer?.close();
  balancer = undefined;
});

/** Two nodes still running, in the order they were started. */
function liveNodes(): [ClusterNode, ClusterNode] {
  const [first, second] = cluster.nodes.filter((node) => node.process.alive);
  if (first === undefined || second === undefined) throw new Error('fewer than 2 nodes are still running');
  return [first, second];
}

/** vc_cluster_members every live node should report with Ada's page seated on `ada` and Bob's on `bob`. */
function seated(ada: ClusterNode, bob: ClusterNode): Array<[ClusterNode, number]> {
  return cluster.nodes
    .filter((node) => node.process.alive)
    .map((node) => [node, Number(node === ada) + Number(node === bob)]);
}

/** The node the balancer sent its latest connection to. */
function lastRouted(): ClusterNode {
  const port = balancer?.routed.at(-1);
  const node = cluster.nodes.find((candidate) => candidate.port === port);
  if (node === undefined) throw new Error(`the balancer routed to no node of the cluster (${port})`);
  return node;
}

/** The peer id the page was given at its first join. */
async function ownId(page: Page): Promise<string> {
  const [, joined] = await waitForEvent(page, 'vc-joined');
  return String(joined.id);
}

/**
 * Ada's page through the balancer to `adaNode`, Bob's to `bobNode`, both in
 * `room` with media flowing; afterwards the balancer goes by health.
 */
async function callAcrossTheBalancer(room: string, adaNode: ClusterNode, bobNode: ClusterNode) {
  routing = new Routing(() => cluster.nodes, PROBE_MS, PROBE_TIMEOUT_MS);
  const route = routing;
  balancer = await startBalancer(route.backends);
  const url = `${balancer.httpUrl}/r/${room}`;
  route.only(adaNode);
  const ada = await openRecordedPage(browser, url, 'Ada');
  const adaId = await ownId(ada);
  route.only(bobNode);
  const bob = await openRecordedPage(browser, url, 'Bob');
  const bobId = await ownId(bob);
  await route.byHealth();
  for (const page of [ada, bob]) {
    await waitForState(page, 'connected');
    await expectFramesFlowing(page);
  }
  await waitForMembers(seated(adaNode, bobNode), REJOIN_MS);
  for (const page of [ada, bob]) {
    expect((await wire(page)).sockets, 'one open socket, through the balancer').toEqual([{ url: balancer.wsUrl }]);
  }
  return { ada, bob, adaId, bobId };
}

/** When the page saw its `index`-th socket close (its clock). */
function closedAt(recorded: Wire, index: number): number {
  const at = recorded.sockets[index]?.closedAt;
  if (at === undefined)
    throw new Error(`socket ${index} of the page never closed: ${JSON.stringify(recorded.sockets)}`);
  return at;
}

/** Waits until the page decoded `frames` more frames from `peerId` than it had, within `timeout`. */
async function expectDecoding(page: Page, peerId: string, frames: number, timeout: number): Promise<void> {
  const first = await framesDecoded(page, peerId);
  await page.waitForFunction(
    async ({ peerId, target }) => {
      const report = await document.querySelector('video-call')?.getStats(peerId);
      let decoded = 0;
      report?.forEach((stat: { type: string; kind?: string; framesDecoded?: number }) => {
        if (stat.type === 'inbound-rtp' && stat.kind === 'video') decoded += stat.framesDecoded ?? 0;
      });
      return decoded >= target;
    },
    { peerId, target: first + frames },
    { timeout, polling: 50 },
  );
}

/** The page kept one RTCPeerConnection for the whole call, and it never failed or dropped. */
async function expectOneUnbrokenConnection(page: Page): Promise<void> {
  const states = await connectionStates(page);
  expect(states).toHaveLength(1);
  expect(states[0]).not.toContain('failed');
  expect(states[0]).not.toContain('disconnected');
  expect(states[0]).not.toContain('closed');
}

describe('a call across two nodes', () => {
  it('connects pages loaded from different nodes, with media both ways and one member on each node', async () => {
    const [first, second] = liveNodes();
    const ada = await openRecordedPage(browser, `${first.httpUrl}/r/across`, 'Ada');
    const bob = await openRecordedPage(browser, `${second.httpUrl}/r/across`, 'Bob');
    const ids = { ada: await ownId(ada), bob: await ownId(bob) };
    await waitForState(ada, 'connected');
    await waitForState(bob, 'connected');

    for (const [page, node, peerId] of [
      [ada, first, ids.bob],
      [bob, second, ids.ada],
    ] as const) {
      expect((await wire(page)).sockets, 'one open socket, to its node').toEqual([{ url: node.wsUrl }]);
      await expectFramesFlowing(page);
      await page.waitForFunction(() =>
        (window as unknown as { __vcEvents: Array<[string, { settled?: boolean }]> }).__vcEvents.some(
          ([type, detail]) => type === 'vc-connection' && detail.settled === true,
        ),
      );
      expect((await events(page, 'vc-connection')).at(-1)?.[1]).toMatchObject({ peerId, settled: true });
      await expectDecoding(page, peerId, FLOWING_FRAMES, FLOWING_MS);
      expect(await events(page, 'vc-error')).toEqual([]);
    }

    // Each node seats its own page, and the call's signaling crossed between them both ways.
    await waitForMembers(seated(first, second), REJOIN_MS);
    for (const node of [first, second]) {
      const metrics = await node.metrics();
      for (const direction of ['out', 'in']) {
        expect(
          sample(metrics, 'vc_cluster_messages_total', { node: node.id, direction }),
          `${node.id} ${direction}`,
        ).toBeGreaterThan(0);
      }
    }
  });
});

describe('a node killed mid-call', () => {
  it('moves its page through the balancer to the surviving node under the same id, and the call goes on', async () => {
    const [doomed, survivor] = liveNodes();
    const { ada, bob, adaId, bobId } = await callAcrossTheBalancer('killed', doomed, survivor);

    await doomed.kill9();
    const rejoin = await waitForWelcome(ada, 2, DEATH_PATIENCE_MS);
    expect(rejoin).toMatchObject({ socket: 1, message: { type: 'welcome', id: adaId, resumed: true } });
    // One reconnect, at the first retry: the balancer never handed Ada's page to the dead node.
    const adaWire = await wire(ada);
    expect(adaWire.sockets.map((socket) => socket.url)).toEqual([balancer?.wsUrl, balancer?.wsUrl]);
    expect(rejoin.at - closedAt(adaWire, 0), 'ms from the drop to the rejoin').toBeLessThanOrEqual(REJOIN_MS);
    // Bob's page opened no connection since (its socket count says so below), so the balancer's latest is Ada's rejoin.
    const landed = lastRouted();
    expect(landed).not.toBe(doomed);
    await waitForMembers(seated(landed, survivor), REJOIN_MS);

    await expectDecoding(ada, bobId, FLOWING_FRAMES, FLOWING_MS);
    await expectDecoding(bob, adaId, FLOWING_FRAMES, FLOWING_MS);
    for (const page of [ada, bob]) {
      await waitForState(page, 'connected', REJOIN_MS);
      expect(await events(page, 'vc-peer-left')).toEqual([]);
      expect(await events(page, 'vc-peer-joined')).toHaveLength(1);
      expect(await events(page, 'vc-joined')).toHaveLength(1);
      await expectOneUnbrokenConnection(page);
    }
    // Bob's signaling never moved.
    expect((await wire(bob)).sockets).toHaveLength(1);
  });
});

describe('a node drained mid-call (SIGTERM)', () => {
  it('moves its page to the other node under the same id with no stall in the media either way', async () => {
    const [drained, other] = liveNodes();
    const { ada, bob, adaId, bobId } = await callAcrossTheBalancer('drained', drained, other);

    await startSampling(ada, bobId, SAMPLE_MS);
    await startSampling(bob, adaId, SAMPLE_MS);
    // Samples before the signal, so that a stall right at it is measured from a live stream.
    await ada.waitForTimeout(2 * SAMPLE_MS);
    const signalledAt = { ada: await pageNow(ada), bob: await pageNow(bob) };
    expect(await drained.terminate()).toEqual({ code: 0, signal: null });

    const rejoin = await waitForWelcome(ada, 2, DRAIN_PATIENCE_MS);
    expect(rejoin.message).toMatchObject({ id: adaId, resumed: true });
    const landed = lastRouted();
    expect(landed).not.toBe(drained);
    await waitForMembers(seated(landed, other), REJOIN_MS);
    // Sampling goes on until a seat the drain wrongly gave up would have been reaped, and its peer-left delivered.
    await ada.waitForTimeout(DEAD_AFTER_MS + 2 * SAMPLE_MS);
    const samples = { ada: await stopSampling(ada), bob: await stopSampling(bob) };

    for (const name of ['ada', 'bob'] as const) {
      const taken = samples[name];
      expect(
        taken.filter((s) => s.at > signalledAt[name]).length,
        `${name}'s samples after the signal`,
      ).toBeGreaterThan(4);
      const { longest, drops } = stalls(taken);
      expect(drops, `${name}'s frame counter went down`).toEqual([]);
      expect(longest, `${name}'s longest stall: ${JSON.stringify(taken)}`).toBeLessThanOrEqual(MAX_STALL_MS);
    }

    // Ada was told, closed with 1001, and every join after that resumed her seat.
    const adaWire = await wire(ada);
    expect(adaWire.frames).toContainEqual(
      expect.objectContaining({
        socket: 0,
        message: expect.objectContaining({ type: 'error', code: 'server-shutdown' }),
      }),
    );
    expect(adaWire.sockets[0]?.closed).toBe(1001);
    expect(rejoin.at - closedAt(adaWire, 0), 'ms from the close to the rejoin').toBeLessThanOrEqual(DRAIN_REJOIN_MS);
    for (const welcome of (await welcomes(ada)).slice(1)) {
      expect(welcome.message).toMatchObject({ id: adaId, resumed: true });
    }
    // Bob heard nothing of the move: the seat moved silently. (Bob joined second, so even Ada's arrival came in his welcome.)
    const bobWire = await wire(bob);
    expect(bobWire.sockets).toHaveLength(1);
    expect(bobWire.frames.filter(({ message }) => ['peer-left', 'peer-joined'].includes(message.type))).toEqual([]);
    for (const page of [ada, bob]) {
      expect(await events(page, 'vc-peer-left')).toEqual([]);
      expect(await events(page, 'vc-joined')).toHaveLength(1);
      await expectOneUnbrokenConnection(page);
    }
    // Still seated so after the window: nothing reaped Ada's moved seat.
    const after = seated(landed, other);
    expect(await Promise.all(after.map(([node]) => localMembers(node)))).toEqual(after.map(([, count]) => count));
  });
});
