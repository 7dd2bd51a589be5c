/**
 * Issue 11, finding 8: frames just under the hard size limit (4 ×
 * MAX_FRAME_BYTES, each refused as too-large) from 64 sockets of one
 * address, once from sockets that stay and once from sockets that reconnect
 * for fresh budgets. The server reads such an address no faster than its
 * byte budget and refuses its reconnects beyond its upgrade budget, so a room
 * of clients from another address is served throughout. Afterwards the
 * process is up, its descriptors and heap are back near the start, and its
 * log stayed short. The server runs with its default limits.
 */
import WebSocket from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { ServerProcess } from '../helpers/process.js';
import { controlPair } from '../helpers/control-pair.js';
import { TestClient } from '../helpers/client.js';
import { defaults } from '../../server/config.js';

let server: ServerProcess | undefined;
const attackers = new Set<WebSocket>();
afterEach(async () => {
  for (const socket of attackers) socket.terminate();
  attackers.clear();
  await server?.stop();
  server = undefined;
});

const FRAME = 'x'.repeat(4 * defaults.maxFrameBytes - 1024);
/** The attack's length, whatever else happens: floods here are bounded in time and count. */
const FLOOD_MS = 3_000;
const SOCKETS = defaults.maxConnectionsPerIp;

function open(url: string): Promise<WebSocket | undefined> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { perMessageDeflate: false });
    socket.on('error', () => resolve(undefined));
    socket.on('open', () => {
      attackers.add(socket);
      socket.on('close', () => attackers.delete(socket));
      resolve(socket);
    });
  });
}

/** Keeps two frames queued on every attacking socket until `until`; the queue bounds this process's memory. */
async function flood(sockets: WebSocket[], until: number): Promise<void> {
  while (Date.now() < until) {
    for (const socket of sockets) {
      while (socket.readyState === WebSocket.OPEN && socket.bufferedAmount < 2 * FRAME.length) socket.send(FRAME);
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('a flood of oversized frames from one address', () => {
  it('is read no faster than the address’s byte budget, while another address’s room is served', async () => {
    server = await ServerProcess.start({}, { inspect: true });
    const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
    const before = await server.snapshot();

    const sockets = (await Promise.all(Array.from({ length: SOCKETS }, () => open(server!.wsUrl)))).filter(
      (s) => s !== undefined,
    );
    expect(sockets).toHaveLength(SOCKETS);
    const started = Date.now();
    const flooding = flood(sockets, started + FLOOD_MS);
    // Served during the flood: relayed both ways, nothing leaked in, and a newcomer from another address joins.
    for (let i = 0; i < 5; i++) await control.assertUnaffected();
    const newcomer = await TestClient.joined(server.wsUrl, 'newcomer', undefined, { localAddress: '127.0.0.3' });
    newcomer.client.close();
    await flooding;
    const seconds = (Date.now() - started) / 1000;

    // Every refused frame was read whole: at most the address's burst, its rate over the flood, and a frame in flight
    // per socket.
    const refused = await server.metric('vc_signaling_errors_total{code="too-large"}');
    const budget = defaults.rateLimitBytesBurstPerIp + defaults.rateLimitBytesPerSecondPerIp * seconds;
    expect(refused).toBeLessThanOrEqual(Math.ceil(budget / FRAME.length) + SOCKETS);
    expect(await server.metric('vc_signaling_read_pauses_total')).toBeGreaterThan(0);

    for (const socket of sockets) socket.terminate();
    await control.assertUnaffected();
    control.close();
    // A request line per upgrade, a few about the newcomer; nothing per refused frame. The server notices that
    // a paused socket closed when it reads it again, in turn with the address's other sockets: within seconds.
    await server.expectRecovered(before, { logLines: SOCKETS + 10, settleMs: 20_000 });
  });

  it('gains nothing by reconnecting: the upgrade budget refuses the churn, and another address’s room is served', async () => {
    server = await ServerProcess.start({}, { inspect: true });
    const control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
    const before = await server.snapshot();

    let upgraded = 0;
    let refused = 0;
    const until = Date.now() + FLOOD_MS;
    // 16 loops: open, send a frame, drop the socket, again; at most 50 tries each.
    const loop = async () => {
      for (let attempt = 0; attempt < 50 && Date.now() < until; attempt++) {
        const socket = await open(server!.wsUrl);
        if (socket === undefined) {
          refused += 1;
          continue;
        }
        upgraded += 1;
        socket.send(FRAME);
        socket.terminate();
      }
    };
    const churning = Promise.all(Array.from({ length: 16 }, loop));
    for (let i = 0; i < 5; i++) await control.assertUnaffected();
    await churning;

    expect(upgraded).toBeLessThanOrEqual(
      defaults.upgradesPerMinutePerIp + Math.ceil((FLOOD_MS / 60_000) * defaults.upgradesPerMinutePerIp),
    );
    expect(refused).toBeGreaterThan(0);
    // Refused for being in byte debt (the frames it sent before dropping each socket), or past its upgrades.
    const overBudget = await server.metric('vc_signaling_upgrades_refused_total{reason="over-budget"}');
    const overUpgrades = await server.metric('vc_signaling_upgrades_refused_total{reason="upgrades"}');
    expect(overBudget + overUpgrades).toBe(refused);
    await control.assertUnaffected();
    control.close();
    // The address's first refusal is logged, and from then on its requests are not: a line per upgrade it made.
    await server.expectRecovered(before, { logLines: upgraded + 10, settleMs: 20_000 });
  });
});
