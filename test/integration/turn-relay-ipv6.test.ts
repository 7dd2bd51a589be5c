/**
 * IPv6 in the bundled relay (RFC 8656 §7, §9, §11): listeners of both
 * families, IPv6 relayed addresses for REQUESTED-ADDRESS-FAMILY IPv6, relaying
 * between two IPv6 allocations (in process) and to a real UDP peer on ::1,
 * and the RFC's answers where the families do not fit: 440, 443, 400, and
 * ADDRESS-ERROR-CODE for a dual allocation this relay does not make.
 *
 * The IPv6 relay sockets bind ::1 and are advertised as 2001:db8::10, as
 * behind 1:1 NAT: the loopback has one IPv6 address, and ::1 must stay a
 * peer address of its own (allowed here, as TURN_ALLOWED_PEERS makes it).
 */
import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, startTlsRelay, type TestRelay } from '../helpers/relay.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { RelayProcess, until } from '../helpers/relay-process.js';
import { Attr, Method } from '../../turn/codec/constants.js';
import { getAttribute, type MessageBuilder, type StunMessage } from '../../turn/codec/message.js';
import { decodeXorAddress, type TransportAddress } from '../../turn/codec/address.js';
import { readErrorCode } from '../../turn/codec/attributes.js';
import { encodeChannelData } from '../../turn/codec/channel-data.js';
import { TurnClient, openTransport, requestedFamily } from '../../turn/client/index.js';

const ADVERTISED6 = '2001:db8::10';
const IPV6_RELAY = { TURN_RELAY_ADDRESS6: '::1', TURN_EXTERNAL_IP6: ADVERTISED6, TURN_ALLOWED_PEERS: '::1/128' };

let relay: TestRelay;
const closers: Array<() => void> = [];
beforeAll(async () => {
  relay = await startTlsRelay(IPV6_RELAY);
});
afterAll(() => relay?.close());
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

async function client(user: string, over = '::1', on = relay): Promise<TurnTestClient> {
  const c = await TurnTestClient.open({ address: over, port: on.ports.udp }, on.credentials(user), over);
  closers.push(() => c.close());
  return c;
}

const asking = (family: 4 | 6) => (b: MessageBuilder) => b.add(Attr.RequestedAddressFamily, requestedFamily(family));

function xorAddress(message: StunMessage, type: number): TransportAddress {
  const value = getAttribute(message, type);
  if (value === undefined) throw new Error(`no attribute ${type}`);
  return decodeXorAddress(value, message.transactionId);
}

/** The data of the Data indications a client got, in order. */
const dataOf = (c: TurnTestClient) => c.indications.map((message) => getAttribute(message, Attr.Data)?.toString());

describe('IPv6 in the bundled relay', () => {
  it('listens on both families, UDP and TCP on one port and TLS on another, and says so', () => {
    const { udp, tls } = relay.ports;
    expect(relay.ports.listeners).toEqual([
      `udp 127.0.0.1:${udp}`,
      `tcp 127.0.0.1:${udp}`,
      `udp [::1]:${udp}`,
      `tcp [::1]:${udp}`,
      `tls 127.0.0.1:${tls}`,
      `tls [::1]:${tls}`,
    ]);
  });

  it('allocates an IPv6 relayed address for REQUESTED-ADDRESS-FAMILY IPv6, and maps the client as it came', async () => {
    const c = await client('ada');
    const response = await c.allocate(asking(6));
    expect(errorCode(response)).toBe(200);
    expect(xorAddress(response, Attr.XorRelayedAddress)).toMatchObject({ family: 6, address: ADVERTISED6 });
    expect(xorAddress(response, Attr.XorMappedAddress)).toEqual({
      family: 6,
      address: '::1',
      port: c.socket.address().port,
    });
  });

  it('gives an IPv6 client an IPv4 relayed address when it names no family (RFC 8656 §7.2)', async () => {
    const c = await client('bea');
    const response = await c.allocate();
    expect(xorAddress(response, Attr.XorRelayedAddress)).toMatchObject({ family: 4, address: '127.0.0.2' });
    expect(xorAddress(response, Attr.XorMappedAddress).address).toBe('::1');
  });

  it('relays between two IPv6 allocations in process, by Send and by channel', async () => {
    const a = await client('cy');
    const b = await client('dee');
    const aRelayed = c6(await a.allocate(asking(6)));
    const bRelayed = c6(await b.allocate(asking(6)));
    expect(errorCode(await b.createPermission(aRelayed))).toBe(200);
    expect(errorCode(await a.createPermission(bRelayed))).toBe(200);
    a.send(bRelayed, Buffer.from('by send'));
    await until(() => b.indications.length === 1, 3000, 'the Send to reach b');
    b.send(aRelayed, Buffer.from('back'));
    await until(() => a.indications.length === 1, 3000, 'the answer to reach a');
    expect(dataOf(a)).toEqual(['back']);
    // b binds no channel, so what a sends over one reaches b as a Data indication too.
    expect(errorCode(await a.channelBind(0x4000, bRelayed))).toBe(200);
    a.raw(encodeChannelData(0x4000, Buffer.from('by channel'), false));
    await until(() => b.indications.length === 2, 3000, 'the ChannelData to reach b');
    expect(dataOf(b)).toEqual(['by send', 'by channel']);
    expect(xorAddress(b.indications[0]!, Attr.XorPeerAddress)).toEqual(aRelayed);
  });

  it('relays between an IPv6 allocation and a UDP peer on ::1, both ways', async () => {
    const peer = createSocket('udp6');
    closers.push(() => peer.close());
    const heard: Array<{ data: string; from: string; port: number }> = [];
    peer.on('message', (data, from) => heard.push({ data: data.toString(), from: from.address, port: from.port }));
    await new Promise<void>((resolve) => peer.bind(0, '::1', resolve));
    const peerAddress: TransportAddress = { family: 6, address: '::1', port: peer.address().port };

    const c = await client('eve');
    const relayed = c6(await c.allocate(asking(6)));
    expect(errorCode(await c.createPermission(peerAddress))).toBe(200);
    c.send(peerAddress, Buffer.from('to the peer'));
    await until(() => heard.length === 1, 3000, 'the peer to hear the client');
    // Bound on ::1, advertised as 2001:db8::10: the peer sees the bound address.
    expect(heard).toEqual([{ data: 'to the peer', from: '::1', port: relayed.port }]);

    peer.send('to the client', relayed.port, '::1');
    await until(() => c.indications.length === 1, 3000, 'the client to hear the peer');
    expect(dataOf(c)).toEqual(['to the client']);
    expect(xorAddress(c.indications[0]!, Attr.XorPeerAddress)).toEqual(peerAddress);
  });

  it('answers 443 for a peer of the other family, and drops a Send to one', async () => {
    const v6 = await client('fay');
    c6(await v6.allocate(asking(6)));
    const v4Peer: TransportAddress = { family: 4, address: '198.51.100.1', port: 9 };
    const publicV4: TransportAddress = { family: 4, address: '8.8.8.8', port: 9 };
    const mappedV4: TransportAddress = { family: 6, address: '::ffff:8.8.8.8', port: 9 };
    expect(errorCode(await v6.createPermission(publicV4))).toBe(443);
    expect(errorCode(await v6.createPermission(mappedV4))).toBe(443);
    expect(errorCode(await v6.channelBind(0x4000, publicV4))).toBe(443);
    // A denied peer is refused as such first, whatever its family.
    expect(errorCode(await v6.createPermission(v4Peer))).toBe(403);

    const v4 = await client('gil', '127.0.0.1');
    expect(errorCode(await v4.allocate())).toBe(200);
    const publicV6: TransportAddress = { family: 6, address: '2a00:1450:4001::1', port: 9 };
    expect(errorCode(await v4.createPermission(publicV6))).toBe(443);
    expect(errorCode(await v4.channelBind(0x4000, publicV6))).toBe(443);

    const before = await relay.metric('vc_turn_dropped_packets_total{reason="peer-family"}');
    v6.send(publicV4, Buffer.from('dropped'));
    // Handled in order: once the Refresh is answered, the Send before it was.
    expect(errorCode(await v6.request(Method.Refresh))).toBe(200);
    expect(await relay.metric('vc_turn_dropped_packets_total{reason="peer-family"}')).toBe(before + 1);
  });

  it("answers 443 to a Refresh naming the family that is not the allocation's", async () => {
    const c = await client('hal');
    c6(await c.allocate(asking(6)));
    expect(errorCode(await c.request(Method.Refresh, asking(4)))).toBe(443);
    expect(errorCode(await c.request(Method.Refresh, asking(6)))).toBe(200);
  });

  it('makes no dual allocation: IPv4 alone with ADDRESS-ERROR-CODE 440 for IPv6; 400 where the RFC says', async () => {
    const c = await client('ivy');
    const dual = await c.allocate((b) => b.add(Attr.AdditionalAddressFamily, requestedFamily(6)));
    expect(errorCode(dual)).toBe(200);
    expect(xorAddress(dual, Attr.XorRelayedAddress).family).toBe(4);
    const addressError = getAttribute(dual, Attr.AddressErrorCode);
    expect(addressError?.[0]).toBe(0x02);
    expect(readErrorCode(addressError!)).toEqual({ code: 440, reason: 'Address Family not Supported' });

    const other = await client('jo');
    const v4Additional = await other.allocate((b) => b.add(Attr.AdditionalAddressFamily, requestedFamily(4)));
    expect(errorCode(v4Additional)).toBe(400);
    const both = await other.allocate((b) => asking(6)(b).add(Attr.AdditionalAddressFamily, requestedFamily(6)));
    expect(errorCode(both)).toBe(400);
    const withToken = await other.allocate((b) => asking(6)(b).add(Attr.ReservationToken, Buffer.alloc(8)));
    expect(errorCode(withToken)).toBe(400);
  });

  it('reserves the odd port of an IPv6 pair, and the token allocates it in IPv6', async () => {
    const a = await client('kim');
    const first = await a.allocate((b) => asking(6)(b).addEvenPort(true));
    const even = c6(first);
    expect(even.port % 2).toBe(0);
    const token = getAttribute(first, Attr.ReservationToken)!;
    const b = await client('kim');
    const second = await b.allocate((x) => x.add(Attr.ReservationToken, token));
    expect(xorAddress(second, Attr.XorRelayedAddress)).toEqual({
      family: 6,
      address: ADVERTISED6,
      port: even.port + 1,
    });
  });

  it.each(['TCP', 'TLS'] as const)('serves IPv6 clients over %s too', async (transport) => {
    const port = transport === 'TCP' ? relay.ports.tcp : relay.ports.tls!;
    const turn = new TurnClient(await openTransport({ host: '::1', port, transport }, 3000, { insecure: true }), {
      credentials: relay.credentials('lu'),
      timeoutMs: 3000,
    });
    closers.push(() => turn.close());
    const allocation = await turn.allocate({ family: 6 });
    expect(allocation.relayed).toMatchObject({ family: 6, address: ADVERTISED6 });
    expect(allocation.mapped?.address).toBe('::1');
  });
});

describe('IPv6 listeners that cannot be', () => {
  it('logs a warning and serves IPv4 alone when the IPv6 address is not on this machine (as on one without IPv6)', async () => {
    const process = await RelayProcess.start({ TURN_LISTEN_HOST6: '2001:db8::99' });
    try {
      const warning = process.process.lines.find((line) => line.level === 40);
      expect(warning).toMatchObject({ host: '2001:db8::99', err: { code: 'EADDRNOTAVAIL' } });
      const started = await process.process.waitForLog('TURN relay listening');
      expect(started.listeners).toEqual([`udp 127.0.0.1:${process.ports.udp}`, `tcp 127.0.0.1:${process.ports.udp}`]);
      await process.assertServes();
    } finally {
      await process.stop();
    }
  });

  it('listens on IPv4 alone with TURN_LISTEN_HOST6=off', async () => {
    const ipv4Only = await startRelay({ TURN_LISTEN_HOST6: 'off' });
    try {
      expect(ipv4Only.ports.listeners).toEqual([
        `udp 127.0.0.1:${ipv4Only.ports.udp}`,
        `tcp 127.0.0.1:${ipv4Only.ports.udp}`,
      ]);
    } finally {
      await ipv4Only.close();
    }
  });
});

describe('IPv6 allocations where the relay has no IPv6 address', () => {
  let plain: TestRelay;
  beforeAll(async () => {
    plain = await startRelay({ TURN_RELAY_ADDRESS6: 'off' });
  });
  afterAll(() => plain?.close());

  it('answers 440, and still allocates IPv4', async () => {
    const c = await client('max', '::1', plain);
    expect(errorCode(await c.allocate(asking(6)))).toBe(440);
    const v4 = await c.allocate();
    expect(xorAddress(v4, Attr.XorRelayedAddress)).toMatchObject({ family: 4, address: '127.0.0.2' });
  });
});

describe('TURN_ALLOCATION_FAMILY_DEFAULT=keep', () => {
  let keeping: TestRelay;
  beforeAll(async () => {
    keeping = await startRelay({ ...IPV6_RELAY, TURN_ALLOCATION_FAMILY_DEFAULT: 'keep' });
  });
  afterAll(() => keeping?.close());

  it('gives a client that names no family the family it came over', async () => {
    const over6 = await client('ned', '::1', keeping);
    expect(xorAddress(await over6.allocate(), Attr.XorRelayedAddress)).toMatchObject({ family: 6 });
    const over4 = await client('ola', '127.0.0.1', keeping);
    expect(xorAddress(await over4.allocate(), Attr.XorRelayedAddress)).toMatchObject({ family: 4 });
    const asked = await client('pia', '::1', keeping);
    expect(xorAddress(await asked.allocate(asking(4)), Attr.XorRelayedAddress)).toMatchObject({ family: 4 });
  });
});

/** The IPv6 relayed address of a successful Allocate. */
function c6(response: StunMessage): TransportAddress {
  expect(errorCode(response)).toBe(200);
  const relayed = xorAddress(response, Attr.XorRelayedAddress);
  expect(relayed.family).toBe(6);
  return relayed;
}
