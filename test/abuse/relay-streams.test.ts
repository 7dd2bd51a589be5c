/**
 * TURN over TCP and TLS: connections that never finish a TLS handshake (400
 * of 400 were still open after 150 s), that never allocate, that announce
 * huge frames, that outlive their allocation, and too many from one place.
 * Each is closed or refused by a named limit, while others are served.
 */
import { createServer } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { TcpConnections, type OpenConnection } from '../helpers/tcp-connections.js';
import { testCertificate } from '../helpers/certificate.js';
import { TurnClient, openTransport } from '../../turn/client/index.js';

let relay: RelayProcess | undefined;
const connections = new TcpConnections();
const open = (port: number, localAddress?: string) => connections.open(port, localAddress);
afterEach(async () => {
  connections.destroyAll();
  await relay?.stop();
  relay = undefined;
});

const PORTS = { relayPortCount: 200 };

/** The first bytes a TLS client sends (its ClientHello), caught by a plain TCP listener. */
async function clientHello(): Promise<Buffer> {
  const catcher = createServer();
  await new Promise<void>((resolve) => catcher.listen(0, '127.0.0.1', resolve));
  const caught = new Promise<Buffer>((resolve) =>
    catcher.once('connection', (socket) => socket.once('data', (chunk: Buffer) => resolve(chunk))),
  );
  const address = catcher.address();
  const client = connectTls({
    host: '127.0.0.1',
    port: typeof address === 'object' && address !== null ? address.port : 0,
    rejectUnauthorized: false,
  });
  client.on('error', () => undefined);
  const hello = await caught;
  client.destroy();
  catcher.close();
  return hello;
}

/** A STUN header announcing `length` bytes of attributes: a frame the relay must buffer until it is whole. */
function stunHeader(length: number): Buffer {
  const header = Buffer.alloc(20);
  header.writeUInt16BE(0x0003, 0);
  header.writeUInt16BE(length, 2);
  header.writeUInt32BE(0x2112a442, 4);
  return header;
}

describe('TURN over TLS', () => {
  it('closes handshakes unfinished after TURN_TLS_HANDSHAKE_TIMEOUT_MS, trickling or silent, and refuses connections beyond TURN_MAX_CONNECTIONS_PER_ADDRESS', async () => {
    const certificate = await testCertificate();
    relay = await RelayProcess.start(
      {
        TURN_TLS_PORT: '0',
        TURN_TLS_CERT: certificate.cert,
        TURN_TLS_KEY: certificate.key,
        TURN_TLS_HANDSHAKE_TIMEOUT_MS: '1000',
        TURN_MAX_CONNECTIONS_PER_ADDRESS: '50',
      },
      { ...PORTS, inspect: true },
    );
    const before = await relay.process.snapshot();
    const tls = relay.ports.tls!;
    const attackers: OpenConnection[] = [];
    for (let i = 0; i < 60; i++) attackers.push(await open(tls));
    await until(
      async () => (await relay!.metric('vc_turn_limit_refusals_total{limit="connections-per-address"}')) === 10,
      5000,
      '10 refusals',
    );
    // Half of those admitted trickle a real ClientHello a byte at a time, which an idle timer alone would never cut.
    const hello = await clientHello();
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent < hello.length)
        for (const { socket } of attackers.slice(0, 25))
          if (!socket.destroyed) socket.write(hello.subarray(sent, sent + 1));
      sent += 1;
    }, 100);
    try {
      await relay.assertServes({ transport: 'TLS', localAddress: '127.0.0.3' });
      await Promise.all(attackers.map(({ closed }) => closed));
    } finally {
      clearInterval(trickle);
    }
    expect(await relay.metric('vc_turn_connections_closed_total{reason="handshake-timeout"}')).toBe(50);
    expect(await relay.metric('vc_turn_connections')).toBe(0);
    await relay.assertServes({ transport: 'TLS' });
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});

describe('TURN over TCP', () => {
  it('closes a connection announcing a frame over 4 KiB before it allocates, and one that never allocates after TURN_CONNECTION_IDLE_TIMEOUT_MS', async () => {
    relay = await RelayProcess.start(
      { TURN_CONNECTION_IDLE_TIMEOUT_MS: '1500', TURN_MAX_CONNECTIONS_PER_ADDRESS: '100' },
      { ...PORTS, inspect: true },
    );
    const before = await relay.process.snapshot();
    const attackers: OpenConnection[] = [];
    // 1000 connections from ten addresses: 200 announce 60 000-byte frames, 800 hold 3 KiB of a 4 KiB one.
    for (let i = 0; i < 1000; i++) {
      const attacker = await open(relay.ports.tcp, `127.0.1.${(i % 10) + 1}`);
      attacker.socket.write(i % 5 === 0 ? stunHeader(60_000) : Buffer.concat([stunHeader(4000), Buffer.alloc(3000)]));
      attackers.push(attacker);
    }
    await until(
      async () => (await relay!.metric('vc_turn_connections_closed_total{reason="frame-too-large"}')) === 200,
      10_000,
      '200 oversized frames refused',
    );
    const held = await relay.process.heapAfterGc();
    await relay.assertServes({ transport: 'TCP', localAddress: '127.0.0.3' });
    await Promise.all(attackers.map(({ closed }) => closed));
    expect(await relay.metric('vc_turn_connections_closed_total{reason="idle"}')).toBe(800);
    expect(await relay.metric('vc_turn_connections')).toBe(0);
    // 800 partial frames held at once cost little: each connection's buffer is bounded before it allocates.
    expect(held - before.heap).toBeLessThan(8 * 1024 * 1024);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('closes the connection when its allocation ends, as coturn does', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, inspect: true });
    const before = await relay.process.snapshot();
    const url = {
      url: '',
      scheme: 'turn' as const,
      host: '127.0.0.1',
      port: relay.ports.tcp,
      transport: 'TCP' as const,
      relay: true,
    };
    const ended: Array<Promise<void>> = [];
    for (let i = 0; i < 50; i++) {
      const transport = await openTransport(url, 3000);
      const session = new TurnClient(transport, { credentials: relay.credentials(`tcp-${i}`), timeoutMs: 3000 });
      await session.allocate();
      ended.push(new Promise<void>((resolve) => transport.onClose(resolve)));
      await session.release();
    }
    await Promise.all(ended);
    expect(await relay.metric('vc_turn_connections_closed_total{reason="allocation-ended"}')).toBe(50);
    expect(await relay.metric('vc_turn_connections')).toBe(0);
    await relay.assertServes({ transport: 'TCP' });
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('refuses connections beyond TURN_MAX_CONNECTIONS from any address, and admits again once one closes', async () => {
    relay = await RelayProcess.start(
      { TURN_MAX_CONNECTIONS: '30', TURN_MAX_CONNECTIONS_PER_ADDRESS: '10' },
      { ...PORTS, inspect: true },
    );
    const before = await relay.process.snapshot();
    const held = [];
    for (let i = 0; i < 33; i++) held.push(await open(relay.ports.tcp, `127.0.2.${(i % 4) + 1}`));
    await until(
      async () => (await relay!.metric('vc_turn_limit_refusals_total{limit="connections"}')) === 3,
      5000,
      '3 refusals',
    );
    held[0]!.socket.destroy();
    await until(async () => (await relay!.metric('vc_turn_connections')) === 29, 5000, 'a slot freed');
    await relay.assertServes({ transport: 'TCP', localAddress: '127.0.0.3' });
    for (const { socket } of held) socket.destroy();
    await until(async () => (await relay!.metric('vc_turn_connections')) === 0, 5000, 'all closed');
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});

describe('under a small open-file limit', () => {
  it('warns at start when the limit is below what the caps allow', async () => {
    relay = await RelayProcess.start({}, { ...PORTS, openFileLimit: 256 });
    const warning = await relay.process.waitForLog(
      'the open-file limit is below what TURN_MAX_ALLOCATIONS and TURN_MAX_CONNECTIONS allow',
    );
    expect(warning).toMatchObject({ limit: 256, needed: 1000 + 2000 + 64 });
  });

  it('keeps descriptors for allocations while 300 idle connections flood a relay whose caps fit 256 descriptors', async () => {
    relay = await RelayProcess.start(
      {
        TURN_MAX_ALLOCATIONS: '80',
        TURN_MAX_CONNECTIONS: '100',
        TURN_MAX_CONNECTIONS_PER_ADDRESS: '40',
        TURN_CONNECTION_IDLE_TIMEOUT_MS: '2000',
      },
      { ...PORTS, inspect: true, openFileLimit: 256 },
    );
    const before = await relay.process.snapshot();
    const attackers: OpenConnection[] = [];
    for (let i = 0; i < 300; i++) attackers.push(await open(relay.ports.tcp, `127.0.4.${(i % 10) + 1}`));
    await until(
      async () => (await relay!.metric('vc_turn_limit_refusals_total{limit="connections"}')) === 200,
      5000,
      '200 refusals',
    );
    // The connections hold 100 descriptors at most, so relay sockets are still there to allocate.
    await relay.assertServes({ transport: 'UDP', localAddress: '127.0.0.3' });
    await Promise.all(attackers.map(({ closed }) => closed));
    await relay.assertServes({ transport: 'TCP', localAddress: '127.0.0.3' });
    expect(relay.process.lines.some((line) => String(line.msg).startsWith('the open-file limit'))).toBe(false);
    await relay.process.expectRecovered(before, { logLines: 0 });
  });
});
