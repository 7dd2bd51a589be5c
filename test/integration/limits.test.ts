/**
 * The limits that keep one client address from taking more than its share:
 * bytes and frames per socket and per address, upgrades per address, the
 * close timeout, and requests pending before the upgrade. Each test hits
 * one limit; the control pair proves nothing leaked into another room.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type TestServer } from '../helpers/server.js';
import { TestClient } from '../helpers/client.js';
import { controlPair } from '../helpers/control-pair.js';
import { metric } from '../helpers/metrics.js';

let server: TestServer;
let control: Awaited<ReturnType<typeof controlPair>> | undefined;
const clients: TestClient[] = [];
const sockets: Socket[] = [];

/** The server, and a control pair from 127.0.0.2, so that 127.0.0.1's limits are the attacker's alone. */
async function setup(env: Record<string, string>) {
  server = await startServer(env);
  control = await controlPair(server.wsUrl, { localAddress: '127.0.0.2' });
}
async function connect(options: Parameters<typeof TestClient.connect>[1] = {}) {
  const client = await TestClient.connect(server.wsUrl, options);
  clients.push(client);
  return client;
}
async function joined(room: string) {
  const result = await TestClient.joined(server.wsUrl, room);
  clients.push(result.client);
  return result;
}
/** The status of an upgrade: 101, or the HTTP status it was refused with. */
const upgradeStatus = (headers: Record<string, string> = {}) =>
  connect({ headers }).then(
    () => 101,
    (error: Error) => Number(/Unexpected server response: (\d+)/.exec(error.message)?.[1] ?? 0),
  );

afterEach(async () => {
  control?.close();
  control = undefined;
  for (const client of clients.splice(0)) client.terminate();
  for (const socket of sockets.splice(0)) socket.destroy();
  await server.close();
});

const offer = (sdp: string) => ({ description: { type: 'offer' as const, sdp } });

describe('bytes', () => {
  it('pauses reading a socket over RATE_LIMIT_BYTES_BURST, and relays everything it sent, in order, as its budget refills', async () => {
    await setup({ MAX_FRAME_BYTES: '8192', RATE_LIMIT_BYTES_BURST: '8192', RATE_LIMIT_BYTES_PER_SECOND: '262144' });
    const a = await joined('bytes');
    const b = await joined('bytes');
    await a.client.next('peer-joined');
    const sdp = (i: number) => `${i} ${'s'.repeat(6000)}`;
    for (let i = 0; i < 60; i++) a.client.send({ type: 'signal', to: b.welcome.id, data: offer(sdp(i)) });
    for (let i = 0; i < 60; i++)
      expect(await b.client.next('signal')).toEqual({ type: 'signal', from: a.welcome.id, data: offer(sdp(i)) });
    await a.client.expectNothingPending();
    expect(await metric(server.httpUrl, 'vc_signaling_read_pauses_total')).toBeGreaterThan(0);
    await control?.assertUnaffected();
  });

  it("shares RATE_LIMIT_BYTES_*_PER_IP between an address's sockets, and refuses its upgrades while it is in debt", async () => {
    await setup({
      TRUST_PROXY: 'true',
      MAX_FRAME_BYTES: '1024',
      RATE_LIMIT_BYTES_BURST_PER_IP: '1024',
      RATE_LIMIT_BYTES_PER_SECOND_PER_IP: '1024',
    });
    const attacker = { 'x-forwarded-for': '198.51.100.7' };
    const flooder = await connect({ headers: attacker });
    // Four times the frame limit: refused unread, but its bytes were read, so charged: four seconds of debt.
    flooder.send('x'.repeat(4 * 1024));
    expect(await flooder.nextError()).toMatchObject({ code: 'too-large' });
    expect(await upgradeStatus(attacker)).toBe(429);
    expect(await upgradeStatus({ 'x-forwarded-for': '203.0.113.9' })).toBe(101);
    expect(await metric(server.httpUrl, 'vc_signaling_upgrades_refused_total{reason="over-budget"}')).toBe(1);
    await control?.assertUnaffected();
  });
});

describe('frames per address', () => {
  it("refuses frames beyond RATE_LIMIT_BURST_PER_IP across all of an address's sockets", async () => {
    await setup({ RATE_LIMIT_PER_SECOND_PER_IP: '1', RATE_LIMIT_BURST_PER_IP: '6' });
    const first = await connect();
    const second = await connect();
    for (let i = 0; i < 4; i++) first.send({ type: 'leave' });
    for (let i = 0; i < 4; i++) expect(await first.nextError()).toMatchObject({ code: 'not-joined' });
    // The second socket has a full budget of its own, but its address has two frames left (three, if one refilled
    // meanwhile).
    for (let i = 0; i < 4; i++) second.send({ type: 'leave' });
    const codes: string[] = [];
    while (!codes.includes('rate-limited')) codes.push((await second.nextError()).code);
    expect(codes.length).toBeLessThanOrEqual(4);
    await control?.assertUnaffected();
  });
});

describe('upgrades per address', () => {
  it('refuses more than UPGRADES_PER_MINUTE_PER_IP upgrades a minute from one address, even once its sockets are closed', async () => {
    await setup({ UPGRADES_PER_MINUTE_PER_IP: '3' });
    for (let i = 0; i < 3; i++) {
      const client = await connect();
      client.close();
      await client.closed;
    }
    expect(await upgradeStatus()).toBe(429);
    expect(await metric(server.httpUrl, 'vc_signaling_upgrades_refused_total{reason="upgrades"}')).toBe(1);
    await control?.assertUnaffected();
  });
});

describe('closing', () => {
  it('tells the room at once when it closes a flooding socket with 4001, and relays nothing the socket sends after', async () => {
    await setup({ RATE_LIMIT_PER_SECOND: '1', RATE_LIMIT_BURST: '5', CLOSE_TIMEOUT_MS: '60000' });
    const flooder = await joined('flood');
    const mate = await joined('flood');
    await flooder.client.next('peer-joined');
    // From now on the flooder reads nothing, so it never answers the close frame.
    flooder.client.socket.pause();
    const candidate = {
      candidate: { candidate: 'candidate:1 1 udp 1 192.0.2.9 9 typ host', sdpMid: '0', sdpMLineIndex: 0 },
    };
    for (let i = 0; i < 40; i++) flooder.client.send({ type: 'signal', to: mate.welcome.id, data: candidate });
    const relayed: unknown[] = [];
    for (;;) {
      const message = await mate.client.next();
      if (message.type === 'peer-left') {
        expect(message).toEqual({ type: 'peer-left', id: flooder.welcome.id, reason: 'left' });
        break;
      }
      relayed.push(message);
    }
    expect(relayed.length).toBeLessThanOrEqual(5);
    // The socket is still open (CLOSE_TIMEOUT_MS is a minute), and whatever it sends now is dropped.
    expect(await metric(server.httpUrl, 'vc_signaling_connections')).toBe(4);
    for (let i = 0; i < 100; i++) flooder.client.send({ type: 'signal', to: mate.welcome.id, data: candidate });
    await mate.client.expectNothingPending();
    await control?.assertUnaffected();
  });

  it('cuts a socket that does not answer its close frame within CLOSE_TIMEOUT_MS', async () => {
    await setup({ JOIN_TIMEOUT_MS: '100', CLOSE_TIMEOUT_MS: '200' });
    const deaf = await connect();
    // It reads nothing, so it never sees the join timeout's close frame, nor answers it.
    deaf.socket.pause();
    const deadline = Date.now() + 5_000;
    while ((await metric(server.httpUrl, 'vc_signaling_connections')) > 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await metric(server.httpUrl, 'vc_signaling_connections')).toBe(2);
    await control?.assertUnaffected();
  });
});

/** A raw TCP connection that sends `request` and reports what came back when the server closed it. */
function rawRequest(port: number, request: string, localAddress = '127.0.0.1'): Promise<{ answer: string }> {
  return new Promise((resolve) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress });
    sockets.push(socket);
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve({ answer }));
    socket.write(request);
  });
}

describe('requests before the upgrade', () => {
  it('answers 408 and closes a request that is not whole within REQUEST_TIMEOUT_MS', async () => {
    await setup({ REQUEST_TIMEOUT_MS: '1000' });
    const { answer } = await rawRequest(
      Number(new URL(server.httpUrl).port),
      'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\n',
    );
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    await control?.assertUnaffected();
  });

  it('closes connections beyond MAX_PENDING_REQUESTS_PER_IP from one address at once, unread', async () => {
    await setup({ REQUEST_TIMEOUT_MS: '1000', MAX_PENDING_REQUESTS_PER_IP: '4' });
    const port = Number(new URL(server.httpUrl).port);
    const answers = await Promise.all(Array.from({ length: 10 }, () => rawRequest(port, 'GET /ws HTTP/1.1\r\n')));
    // The four held were answered 408 at the timeout; the six others were closed on accept.
    expect(answers.filter(({ answer }) => answer.startsWith('HTTP/1.1 408')).length).toBe(4);
    expect(answers.filter(({ answer }) => answer === '').length).toBe(6);
    expect(await metric(server.httpUrl, 'vc_http_connections_refused_total')).toBe(6);
    await control?.assertUnaffected();
  });

  it('counts only pending requests: a proxy may hold many more finished WebSockets than MAX_PENDING_REQUESTS_PER_IP', async () => {
    await setup({ TRUST_PROXY: '127.0.0.1', MAX_PENDING_REQUESTS_PER_IP: '2' });
    for (let i = 0; i < 10; i++) expect(await upgradeStatus({ 'x-forwarded-for': `198.51.100.${i + 1}` })).toBe(101);
    expect(await metric(server.httpUrl, 'vc_signaling_connections')).toBe(12);
    await control?.assertUnaffected();
  });
});

describe('the defaults', () => {
  it('carry an 8-peer mesh from one address: every join, offer, answer, candidate and screen-share renegotiation at once', async () => {
    await setup({ ROOM_CAPACITY: '8' });
    const peers = [];
    for (let i = 0; i < 8; i++) peers.push(await joined('mesh'));
    for (const [i, peer] of peers.entries()) for (let j = i + 1; j < 8; j++) await peer.client.next('peer-joined');
    const sdp = 'v=0\r\n'.padEnd(10 * 1024, 'a');
    const candidate = {
      candidate: {
        candidate: `candidate:1 1 udp 2122260223 192.168.1.20 46154 typ host ${'x'.repeat(200)}`,
        sdpMid: '0',
        sdpMLineIndex: 0,
      },
    };
    let sent = 0;
    for (const from of peers) {
      for (const to of peers) {
        if (from === to) continue;
        const signal = (data: unknown) => {
          from.client.send({ type: 'signal', to: to.welcome.id, data });
          sent += 1;
        };
        signal(offer(sdp));
        signal({ description: { type: 'answer', sdp } });
        for (let c = 0; c < 20; c++) signal(candidate);
        signal(offer(sdp));
      }
    }
    let received = 0;
    for (const peer of peers) {
      for (let i = 0; i < 7 * 23; i++) {
        await peer.client.next('signal', 10_000);
        received += 1;
      }
    }
    expect(received).toBe(sent);
    for (const peer of peers) {
      await peer.client.expectNothingPending();
      expect(peer.client.received.filter((m) => m.type === 'error')).toEqual([]);
    }
    await control?.assertUnaffected();
  });
});
