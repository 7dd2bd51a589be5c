/**
 * The relay behind an SNI router: connections from TURN_PROXY_PROTOCOL_FROM
 * start with a PROXY protocol header, and the header's source is the client
 * from then on (XOR-MAPPED-ADDRESS, quotas, logs), over TCP and over TLS (the
 * header before the ClientHello). A router's connection without a valid
 * header in time is closed; anyone else who sends a header is closed at
 * once, since a header from them would let any client claim any address.
 */
import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { testCertificate } from '../helpers/certificate.js';
import { proxiedClient, proxyV1, proxyV2, type Proxied } from '../helpers/proxy-client.js';
import { TurnClient, StunErrorResponse } from '../../turn/client/index.js';
import { PROXY_V2_SIGNATURE } from '../../turn/codec/proxy-header.js';

let relay: RelayProcess | undefined;
const opened: Proxied[] = [];
afterEach(async () => {
  for (const { transport } of opened.splice(0)) transport.close();
  await relay?.stop();
  relay = undefined;
});

const PORTS = { relayPortCount: 100 };
const CLIENT = { address: '203.0.113.7', port: 40000 };

async function startRelay(env: Record<string, string>): Promise<RelayProcess> {
  const certificate = await testCertificate();
  return RelayProcess.start(
    { TURN_TLS_PORT: '0', TURN_TLS_CERT: certificate.cert, TURN_TLS_KEY: certificate.key, ...env },
    { ...PORTS, inspect: true },
  );
}

async function client(options: Parameters<typeof proxiedClient>[0]): Promise<Proxied> {
  const proxied = await proxiedClient(options);
  opened.push(proxied);
  return proxied;
}

/** Every sample of a labelled series, summed: what the relay did of that kind at all. */
async function total(series: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${relay!.ports.metrics}/metrics`)).text();
  const rows = text.split('\n').filter((row) => row.startsWith(`${series}{`) || row.startsWith(`${series} `));
  return rows.reduce((sum, row) => sum + Number(row.slice(row.lastIndexOf(' ') + 1)), 0);
}

function session(proxied: Proxied, user = 'proxied'): TurnClient {
  return new TurnClient(proxied.transport, { credentials: relay!.credentials(user), timeoutMs: 3000 });
}

/** Allocates over `proxied`, and proves the relay answers on that connection: a peer's packet comes back through it. */
async function allocateAndRelay(turn: TurnClient): Promise<{ mapped: string }> {
  const { relayed, mapped } = await turn.allocate();
  const peer = createSocket('udp4');
  try {
    await new Promise<void>((resolve) => peer.bind(0, '127.0.0.1', resolve));
    const peerAddress = { family: 4 as const, address: '127.0.0.1', port: peer.address().port };
    await turn.createPermission(peerAddress);
    const heard = new Promise<Buffer>((resolve) => turn.onData((_from, data) => resolve(Buffer.from(data))));
    peer.send(Buffer.from('through the router'), relayed.port, relayed.address);
    expect((await heard).toString()).toBe('through the router');
  } finally {
    peer.close();
  }
  return { mapped: `${mapped?.address}:${mapped?.port}` };
}

describe('a router in TURN_PROXY_PROTOCOL_FROM', () => {
  it('over TCP: the header names the client for XOR-MAPPED-ADDRESS and the log, with the header alone or with the first frame', async () => {
    relay = await startRelay({ TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32' });
    const alone = session(await client({ port: relay.ports.tcp, tls: false, preamble: proxyV2(CLIENT) }), 'alone');
    expect(await allocateAndRelay(alone)).toEqual({ mapped: '203.0.113.7:40000' });
    const line = await relay.process.waitForLog('allocation created');
    expect(line).toMatchObject({ client: '203.0.113.7', clientPort: 40000, transport: 'tcp', user: 'alone' });

    const withFrame = await client({
      port: relay.ports.tcp,
      tls: false,
      preamble: proxyV2({ address: '2001:db8::7', port: 40001 }),
      coalesce: true,
    });
    expect(await session(withFrame).binding()).toEqual({ family: 6, address: '2001:db8::7', port: 40001 });
    const v1 = await client({ port: relay.ports.tcp, tls: false, preamble: proxyV1({ ...CLIENT, port: 40002 }) });
    expect(await session(v1).binding()).toMatchObject({ address: '203.0.113.7', port: 40002 });
    expect(await total('vc_turn_connections_closed_total')).toBe(0);
  });

  it('over TLS: the header before the ClientHello names the client, header and ClientHello apart or in one chunk', async () => {
    relay = await startRelay({ TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32' });
    const apart = await client({ port: relay.ports.tls!, tls: true, preamble: proxyV2(CLIENT) });
    expect(await allocateAndRelay(session(apart, 'tls-user'))).toEqual({ mapped: '203.0.113.7:40000' });
    const line = await relay.process.waitForLog('allocation created');
    expect(line).toMatchObject({ client: '203.0.113.7', clientPort: 40000, transport: 'tls', user: 'tls-user' });

    const together = await client({
      port: relay.ports.tls!,
      tls: true,
      preamble: proxyV2({ ...CLIENT, port: 40001 }),
      coalesce: true,
    });
    expect(await session(together).binding()).toMatchObject({ address: '203.0.113.7', port: 40001 });
  });

  it("serves LOCAL (the router's health check) as the router's own connection", async () => {
    relay = await startRelay({ TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32' });
    const local = await client({ port: relay.ports.tcp, tls: false, preamble: proxyV2() });
    expect(await session(local).binding()).toMatchObject({ family: 4, address: '127.0.0.1' });
  });

  it('counts each header address against the per-address caps, not the router as one bucket', async () => {
    relay = await startRelay({
      TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32',
      TURN_MAX_CONNECTIONS_PER_ADDRESS: '2',
      TURN_MAX_ALLOCATIONS_PER_ADDRESS: '1',
    });
    const before = await relay.process.snapshot();
    const from = (address: string, port: number) =>
      client({ port: relay!.ports.tcp, tls: false, preamble: proxyV2({ address, port }) });
    const a1 = session(await from('203.0.113.7', 1), 'a1');
    const a2 = session(await from('203.0.113.7', 2), 'a2');
    const third = await from('203.0.113.7', 3);
    await third.closed;
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="connections-per-address"}')).toBe(1);
    expect(third.received).toEqual([]);

    const b1 = session(await from('203.0.113.8', 1), 'b1');
    const b2 = session(await from('203.0.113.8', 2), 'b2');
    await a1.allocate();
    await expect(a2.allocate()).rejects.toMatchObject({ code: 486 } satisfies Partial<StunErrorResponse>);
    await b1.allocate();
    await expect(b2.allocate()).rejects.toMatchObject({ code: 486 });
    expect(await relay.metric('vc_turn_allocations')).toBe(2);
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="allocations-per-address"}')).toBe(2);
    for (const turn of [a1, a2, b1, b2]) turn.close();
    await until(async () => (await relay!.metric('vc_turn_connections')) === 0, 5000, 'all closed');
    await relay.process.expectRecovered(before, { logLines: 0 });
  });

  it('closes connections without a valid header: none, garbage, oversized, never completed, silent', async () => {
    relay = await startRelay({ TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32', TURN_TLS_HANDSHAKE_TIMEOUT_MS: '500' });
    const before = await relay.process.snapshot();
    const tcp = relay.ports.tcp;
    const invalid = [
      // A client (or a router not told to send headers) speaking TURN straight away: its Allocate is never read.
      client({ port: tcp, tls: false, preamble: Buffer.alloc(0) }).then(async (plain) => {
        const refused = session(plain).allocate();
        await plain.closed;
        await expect(refused).rejects.toThrow();
        return plain;
      }),
      client({ port: tcp, tls: false, preamble: Buffer.concat([PROXY_V2_SIGNATURE, Buffer.from([0x31, 0x11])]) }),
      client({
        port: tcp,
        tls: false,
        preamble: proxyV2(CLIENT, { address: '192.0.2.1', port: 1 }).fill(0x11, 14, 15),
      }),
      client({ port: tcp, tls: false, preamble: Buffer.from('PROXY TCP4 203.0.113.7 192.0.2.1 40000\r\n') }),
      client({ port: relay.ports.tls!, tls: true, preamble: Buffer.alloc(0) }).catch(() => undefined),
    ];
    const timedOut = [
      client({ port: tcp, tls: false, preamble: proxyV2(CLIENT).subarray(0, 20) }),
      client({ port: tcp, tls: false, preamble: Buffer.alloc(0) }),
      client({ port: relay.ports.tls!, tls: false, preamble: Buffer.from('PROXY TCP4 203.0.113.7') }),
    ];
    for (const each of [...invalid, ...timedOut]) {
      const proxied = await each;
      if (proxied !== undefined) {
        await proxied.closed;
        expect(proxied.received).toEqual([]);
      }
    }
    expect(await relay.metric('vc_turn_connections_closed_total{reason="proxy-header-invalid"}')).toBe(5);
    expect(await relay.metric('vc_turn_connections_closed_total{reason="proxy-header-timeout"}')).toBe(3);
    expect(await total('vc_turn_requests_total')).toBe(0);
    await relay.assertServes({ transport: 'TCP', localAddress: '127.0.0.3' });
    // One line per invalid header (10 a minute at most); timeouts are only counted.
    await relay.process.expectRecovered(before, { logLines: 5 });
  });

  it("counts a router's connections waiting for their header in TURN_MAX_CONNECTIONS", async () => {
    relay = await startRelay({
      TURN_PROXY_PROTOCOL_FROM: '127.0.0.1/32',
      TURN_MAX_CONNECTIONS: '5',
      TURN_TLS_HANDSHAKE_TIMEOUT_MS: '1000',
    });
    const silent = [];
    for (let i = 0; i < 5; i++)
      silent.push(await client({ port: relay.ports.tcp, tls: false, preamble: Buffer.alloc(0) }));
    const refused = await client({ port: relay.ports.tcp, tls: false, preamble: proxyV2(CLIENT) });
    await refused.closed;
    expect(await relay.metric('vc_turn_limit_refusals_total{limit="connections"}')).toBe(1);
    await Promise.all(silent.map(({ closed }) => closed));
    expect(await relay.metric('vc_turn_connections_closed_total{reason="proxy-header-timeout"}')).toBe(5);
    const admitted = await client({ port: relay.ports.tcp, tls: false, preamble: proxyV2(CLIENT) });
    expect(await session(admitted).binding()).toMatchObject({ address: '203.0.113.7', port: 40000 });
  });
});

describe('a PROXY header from an address not in TURN_PROXY_PROTOCOL_FROM', () => {
  it('closes the connection before its Allocate is read, counts and logs it at a bounded rate, and serves the same address without a header', async () => {
    relay = await startRelay({ TURN_PROXY_PROTOCOL_FROM: '10.9.9.9/32' });
    const before = await relay.process.snapshot();
    const spoofs: Array<Promise<Proxied | undefined>> = [];
    for (let i = 0; i < 10; i++) {
      spoofs.push(client({ port: relay.ports.tcp, tls: false, preamble: proxyV2({ ...CLIENT, port: i }) }));
      spoofs.push(client({ port: relay.ports.tcp, tls: false, preamble: proxyV1(CLIENT), coalesce: true }));
      spoofs.push(client({ port: relay.ports.tls!, tls: true, preamble: proxyV2(CLIENT) }).catch(() => undefined));
    }
    for (const each of spoofs) {
      const spoof = await each;
      if (spoof === undefined) continue;
      // The Allocate after the header: the connection closes with nothing sent back.
      const answer = session(spoof).allocate();
      await spoof.closed;
      await expect(answer).rejects.toThrow();
      expect(spoof.received).toEqual([]);
    }
    await until(
      async () => (await relay!.metric('vc_turn_connections_closed_total{reason="proxy-untrusted"}')) === 30,
      5000,
      '30 spoofs counted',
    );
    expect(await total('vc_turn_requests_total')).toBe(0);
    const line = await relay.process.waitForLog(
      'PROXY protocol header from an address not in TURN_PROXY_PROTOCOL_FROM: connection closed',
    );
    expect(line).toMatchObject({ client: '127.0.0.1' });
    await relay.assertServes({ transport: 'TCP' });
    await relay.assertServes({ transport: 'TLS' });
    await relay.process.expectRecovered(before, { logLines: 10 });
  });

  it('is not looked for when TURN_PROXY_PROTOCOL_FROM is empty: the same bytes close the connection all the same', async () => {
    relay = await startRelay({});
    const spoof = await client({ port: relay.ports.tcp, tls: false, preamble: proxyV2(CLIENT) });
    await spoof.closed;
    expect(await relay.metric('vc_turn_connections_closed_total{reason="proxy-untrusted"}')).toBe(1);
    await relay.assertServes({ transport: 'TCP' });
  });
});
