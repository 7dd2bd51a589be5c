import { createSocket } from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { startRelay, type TestRelay } from '../helpers/relay.js';
import { TurnTestClient, errorCode } from '../helpers/turn-client.js';
import { Attr, MessageClass, Method, TransportProtocol } from '../../turn/codec/constants.js';
import { MessageBuilder, getAttribute, parseMessage, randomTransactionId } from '../../turn/codec/message.js';
import { decodeXorAddress, type TransportAddress } from '../../turn/codec/address.js';
import { readUInt32 } from '../../turn/codec/attributes.js';
import { encodeChannelData, parseChannelData } from '../../turn/codec/channel-data.js';
import { longTermKey } from '../../turn/codec/integrity.js';

let relay: TestRelay;
const clients: TurnTestClient[] = [];
async function client(user = 'ada', credentials = relay.credentials(user)) {
  const c = await TurnTestClient.open(relay.server, credentials);
  clients.push(c);
  return c;
}
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await relay.close();
});

const peerAt = (address: string, port: number): TransportAddress => ({
  family: address.includes(':') ? 6 : 4,
  address,
  port,
});

/** A UDP "peer" on the public side of the relay, recording what reaches it. */
async function udpPeer(address = '127.0.0.1') {
  const socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
  const received: Buffer[] = [];
  socket.on('message', (data) => received.push(Buffer.from(data)));
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  return { socket, received, address: peerAt(address, socket.address().port), close: () => socket.close() };
}

describe('the relay, as RFC 8656 describes it', () => {
  it('answers Binding with the client address, without credentials', async () => {
    relay = await startRelay();
    const c = await client();
    const response = await c.request(Method.Binding, (b) => b, false);
    expect(errorCode(response)).toBe(200);
    const mapped = decodeXorAddress(
      getAttribute(response, Attr.XorMappedAddress) ?? Buffer.alloc(0),
      response.transactionId,
    );
    expect(mapped.address).toBe('127.0.0.1');
  });

  it('challenges an unauthenticated Allocate with 401, realm and nonce, then allocates with credentials', async () => {
    relay = await startRelay();
    const c = await client();
    const challenge = await c.request(Method.Allocate, (b) => b.addRequestedTransport(), false);
    expect(errorCode(challenge)).toBe(401);
    expect(getAttribute(challenge, Attr.Realm)?.toString()).toBe('video-call');
    expect(getAttribute(challenge, Attr.Nonce)).toBeDefined();

    const allocated = await c.allocate();
    expect(errorCode(allocated)).toBe(200);
    const relayed = c.relayedAddress(allocated);
    expect(relayed.address).toBe('127.0.0.2');
    expect(relayed.port).toBeGreaterThanOrEqual(relay.relayPorts.min);
    expect(relayed.port).toBeLessThanOrEqual(relay.relayPorts.max);
    expect(readUInt32(getAttribute(allocated, Attr.Lifetime) ?? Buffer.alloc(0))).toBe(600);
    expect(await relay.metric('vc_turn_allocations')).toBe(1);
  });

  it('relays both ways through a Send/Data exchange and through a channel, with permissions enforced', async () => {
    relay = await startRelay({ TURN_ALLOWED_PEERS: '127.0.0.1/32' });
    const c = await client();
    const relayed = c.relayedAddress(await c.allocate());
    const peer = await udpPeer();
    try {
      // Before any permission nothing passes, either way.
      c.send(peer.address, Buffer.from('too early'));
      peer.socket.send(Buffer.from('unsolicited'), relayed.port, relayed.address);
      await until(async () => (await relay.metric('vc_turn_dropped_packets_total{reason="no-permission"}')) === 2);
      expect(errorCode(await c.createPermission(peer.address))).toBe(200);
      c.send(peer.address, Buffer.from('hello peer'));
      await until(() => peer.received.length === 1);
      expect(peer.received[0]?.toString()).toBe('hello peer');

      peer.socket.send(Buffer.from('hello client'), relayed.port, relayed.address);
      await until(() => c.indications.length === 1);
      const data = c.indications[0];
      expect(data?.method).toBe(Method.Data);
      expect(getAttribute(data!, Attr.Data)?.toString()).toBe('hello client');

      expect(errorCode(await c.channelBind(0x4001, peer.address))).toBe(200);
      c.raw(encodeChannelData(0x4001, Buffer.from('over the channel'), false));
      await until(() => peer.received.length === 2);
      expect(peer.received[1]?.toString()).toBe('over the channel');
      expect(peer.received.map(String)).not.toContain('too early');
    } finally {
      peer.close();
    }
  });

  it('refreshes, and deletes the allocation on Refresh with lifetime 0', async () => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    const refreshed = await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 1200));
    expect(readUInt32(getAttribute(refreshed, Attr.Lifetime) ?? Buffer.alloc(0))).toBe(1200);
    const capped = await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 999_999));
    expect(readUInt32(getAttribute(capped, Attr.Lifetime) ?? Buffer.alloc(0))).toBe(3600);
    const deleted = await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 0));
    expect(errorCode(deleted)).toBe(200);
    expect(await relay.metric('vc_turn_allocations')).toBe(0);
    expect(errorCode(await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 600)))).toBe(437);
  });

  it('answers a second Allocate on a live 5-tuple with 437, and a retransmission with the same answer', async () => {
    relay = await startRelay();
    const raw = await rawClient(relay.server);
    try {
      const challenge = parseMessage(await raw.exchange(unsignedAllocate()));
      const auth = {
        ...relay.credentials(),
        realm: getAttribute(challenge, Attr.Realm)!.toString(),
        nonce: getAttribute(challenge, Attr.Nonce)!.toString(),
      };
      const allocate = signedAllocate(auth);
      const first = await raw.exchange(allocate);
      expect(errorCode(parseMessage(first))).toBe(200);
      // The very same request, as a client whose answer was lost sends it again: the answer it missed, not a new
      // allocation.
      const again = await raw.exchange(allocate);
      expect(again.equals(first)).toBe(true);
      expect(await relay.metric('vc_turn_allocations')).toBe(1);
      // A new Allocate (another transaction) on the same 5-tuple is a mismatch, and leaves the allocation as it was.
      expect(errorCode(parseMessage(await raw.exchange(signedAllocate(auth))))).toBe(437);
      expect(await relay.metric('vc_turn_allocations')).toBe(1);
    } finally {
      raw.close();
    }
  });

  it('grants the default lifetime to a client asking for less, on Allocate and on Refresh (RFC 8656 §7.2, §7.3)', async () => {
    relay = await startRelay();
    const c = await client();
    const allocated = await c.allocate((b) => b.addUInt32(Attr.Lifetime, 30));
    expect(readUInt32(getAttribute(allocated, Attr.Lifetime) ?? Buffer.alloc(0))).toBe(600);
    const refreshed = await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 1));
    expect(readUInt32(getAttribute(refreshed, Attr.Lifetime) ?? Buffer.alloc(0))).toBe(600);
  });

  it('discards a Send indication carrying an unknown comprehension-required attribute (RFC 8489 §6.3.2)', async () => {
    relay = await startRelay({ TURN_ALLOWED_PEERS: '127.0.0.1/32' });
    const c = await client();
    await c.allocate();
    const peer = await udpPeer();
    try {
      expect(errorCode(await c.createPermission(peer.address))).toBe(200);
      const odd = new MessageBuilder(Method.Send, MessageClass.Indication, randomTransactionId())
        .addXorAddress(Attr.XorPeerAddress, peer.address)
        .add(Attr.Data, Buffer.from('with an unknown attribute'))
        .add(0x0031, Buffer.from([1, 2, 3, 4]))
        .build();
      c.raw(odd);
      c.send(peer.address, Buffer.from('plain'));
      // Both left the same socket for the same relay socket, so the plain one arriving means the odd one was handled.
      await until(() => peer.received.length === 1);
      expect(peer.received.map(String)).toEqual(['plain']);
      expect(await relay.metric('vc_turn_dropped_packets_total{reason="unknown-attribute"}')).toBe(1);
    } finally {
      peer.close();
    }
  });

  it('answers unauthenticated requests with what they must carry only: no SOFTWARE, FINGERPRINT only if asked with one', async () => {
    relay = await startRelay({ TURN_SOFTWARE: 'video-call relay 1.0' });
    const c = await client();
    const bare = new MessageBuilder(Method.Allocate, MessageClass.Request, randomTransactionId())
      .addRequestedTransport()
      .build();
    const answers: Buffer[] = [];
    c['socket'].on('message', (data: Buffer) => answers.push(Buffer.from(data)));
    c.raw(bare);
    await until(() => answers.length === 1);
    const challenge = parseMessage(answers[0]!);
    expect(errorCode(challenge)).toBe(401);
    expect(challenge.attributes.map((attribute) => attribute.type)).toEqual([Attr.ErrorCode, Attr.Realm, Attr.Nonce]);
    // 28 bytes asked, under 100 answered: the realm and nonce a client needs, and nothing else.
    expect(bare.length).toBe(28);
    expect(answers[0]!.length).toBeLessThanOrEqual(100);

    const binding = await c.request(Method.Binding, (b) => b, false);
    expect(binding.attributes.map((attribute) => attribute.type)).toEqual([Attr.XorMappedAddress, Attr.Fingerprint]);
    const allocated = await c.allocate();
    expect(allocated.attributes.map((attribute) => attribute.type)).toContain(Attr.Software);
  });

  it('refuses transports other than UDP (442) and IPv6 relays (440)', async () => {
    relay = await startRelay();
    const c = await client();
    const tcp = await c.request(Method.Allocate, (b) => b.addRequestedTransport(TransportProtocol.TCP));
    expect(errorCode(tcp)).toBe(442);
    const v6 = await c.allocate((b) => b.add(Attr.RequestedAddressFamily, Buffer.from([2, 0, 0, 0])));
    expect(errorCode(v6)).toBe(440);
  });

  it('names unknown comprehension-required attributes with 420', async () => {
    relay = await startRelay();
    const c = await client();
    const response = await c.allocate((b) => b.add(0x0031, Buffer.from([1, 2, 3, 4])));
    expect(errorCode(response)).toBe(420);
    expect(getAttribute(response, Attr.UnknownAttributes)).toEqual(Buffer.from([0x00, 0x31]));
  });

  it('caps allocations per user (486) and in total (486)', async () => {
    relay = await startRelay({ TURN_MAX_ALLOCATIONS_PER_USER: '2', TURN_MAX_ALLOCATIONS: '3' });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push(errorCode(await (await client('greedy')).allocate()));
    expect(codes).toEqual([200, 200, 486]);
    expect(errorCode(await (await client('other')).allocate())).toBe(200);
    expect(errorCode(await (await client('third')).allocate())).toBe(486);
  });

  it('drops packets beyond the per-allocation bandwidth cap', async () => {
    const bytesPerSecond = 10_000;
    relay = await startRelay({
      TURN_ALLOWED_PEERS: '127.0.0.1/32',
      TURN_BANDWIDTH_BYTES_PER_SECOND: String(bytesPerSecond),
    });
    const c = await client();
    await c.allocate();
    const peer = await udpPeer();
    try {
      await c.createPermission(peer.address);
      const size = 1000;
      const sentAt = performance.now();
      for (let i = 0; i < 50; i++) c.send(peer.address, Buffer.alloc(size, i));
      const relayed = () => relay.metric('vc_turn_relayed_packets_total{direction="to-peer"}');
      const dropped = () => relay.metric('vc_turn_dropped_packets_total{reason="bandwidth"}');
      await until(async () => (await relayed()) + (await dropped()) === 50);
      const elapsedSeconds = (performance.now() - sentAt) / 1000;
      await until(async () => peer.received.length === (await relayed()));
      // The bucket holds one second's worth and refills at the cap: at least that second's worth passes,
      // at most that plus what the time the relay took to handle the 50 could have refilled, however loaded the
      // machine.
      const burst = bytesPerSecond / size;
      expect(peer.received.length).toBeGreaterThanOrEqual(burst);
      expect(peer.received.length).toBeLessThanOrEqual(burst + Math.floor((elapsedSeconds * bytesPerSecond) / size));
      expect(await dropped()).toBe(50 - peer.received.length);
      expect(await dropped()).toBeGreaterThan(0);
    } finally {
      peer.close();
    }
  });

  it('lets two clients of the relay reach each other through their relayed addresses', async () => {
    relay = await startRelay();
    const a = await client('a');
    const b = await client('b');
    const aRelay = a.relayedAddress(await a.allocate());
    const bRelay = b.relayedAddress(await b.allocate());
    expect(errorCode(await a.createPermission(bRelay))).toBe(200);
    expect(errorCode(await b.createPermission(aRelay))).toBe(200);
    expect(errorCode(await b.channelBind(0x4002, aRelay))).toBe(200);
    a.send(bRelay, Buffer.from('relay to relay'));
    const received: Buffer[] = [];
    // b has a channel for a's relayed address, so it gets ChannelData.
    b['socket'].on('message', (data: Buffer) => received.push(Buffer.from(data)));
    await until(() => received.length === 1);
    expect(parseChannelData(received[0]!)).toMatchObject({ channel: 0x4002 });
    expect(parseChannelData(received[0]!).data.toString()).toBe('relay to relay');
  });
});

describe('what the relay keeps per client', () => {
  it('keeps a link per UDP allocation only: datagrams from 200 other source ports leave none, and the allocation takes its own when deleted', async () => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    expect(relay.relay.udpLinksKept).toBe(1);
    const frame = encodeChannelData(0x4001, Buffer.from('spray'), false);
    for (let i = 0; i < 200; i++) {
      const sprayer = createSocket('udp4');
      await new Promise<void>((resolve) => sprayer.bind(0, '127.0.0.1', resolve));
      await new Promise((resolve) => sprayer.send(frame, relay.server.port, relay.server.address, resolve));
      sprayer.close();
    }
    await until(async () => (await relay.metric('vc_turn_dropped_packets_total{reason="no-allocation"}')) >= 190);
    expect(relay.relay.udpLinksKept).toBe(1);
    expect(errorCode(await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 0)))).toBe(200);
    expect(relay.relay.udpLinksKept).toBe(0);
  });
});

describe('the relay refuses to be an open proxy', () => {
  const denied = ['127.0.0.1', '10.1.2.3', '169.254.169.254', '192.168.0.1', '::1', '::ffff:127.0.0.1', 'fe80::1'];

  it.each(denied)('refuses CreatePermission to %s with 403', async (address) => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    expect(errorCode(await c.createPermission(peerAt(address, 5432)))).toBe(403);
  });

  it.each(denied)('refuses ChannelBind to %s with 403', async (address) => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    expect(errorCode(await c.channelBind(0x4000, peerAt(address, 5432)))).toBe(403);
  });

  it("refuses the relay's own address outside its relay ports", async () => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    expect(errorCode(await c.channelBind(0x4000, peerAt('127.0.0.2', 22)))).toBe(403);
  });

  it('never delivers a Send indication to a forbidden peer', async () => {
    relay = await startRelay();
    const c = await client();
    await c.allocate();
    const victim = await udpPeer('127.0.0.1');
    try {
      await c.createPermission(victim.address);
      c.send(victim.address, Buffer.from('attack'));
      // The same client's next request is answered only after the Send was handled.
      await c.request(Method.Refresh, (b) => b.addUInt32(Attr.Lifetime, 600));
      expect(victim.received).toEqual([]);
    } finally {
      victim.close();
    }
  });
});

describe('credentials', () => {
  it('refuses an expired username with 401', async () => {
    relay = await startRelay();
    const c = await client('late', relay.credentials('late', 600, Date.now() - 601_000));
    expect(errorCode(await c.allocate())).toBe(401);
    expect(await relay.metric('vc_turn_auth_failures_total{reason="expired"}')).toBe(1);
  });

  it('refuses a password not made with the shared secret with 401', async () => {
    relay = await startRelay();
    const { username } = relay.credentials('mallory');
    const c = await client('mallory', { username, password: 'guessed' });
    expect(errorCode(await c.allocate())).toBe(401);
    expect(await relay.metric('vc_turn_auth_failures_total{reason="bad-integrity"}')).toBe(1);
  });

  it.each(['__proto__', 'constructor', 'toString'])('refuses the username %s with 401', async (username) => {
    relay = await startRelay();
    const c = await client('x', { username, password: '[object Object]' });
    expect(errorCode(await c.allocate())).toBe(401);
  });

  it('answers a stale nonce with 438 and a fresh one', async () => {
    relay = await startRelay({ TURN_NONCE_LIFETIME: '10' });
    const c = await client();
    await c.allocate();
    c['nonce'] = `${Math.floor(Date.now() / 1000 - 3600).toString(36)}.AAAAAAAAAAAAAAAAAAAAAA`;
    const response = await c['exchange'](Method.Refresh, (b: MessageBuilder) => b.addUInt32(Attr.Lifetime, 600), true);
    expect(errorCode(response)).toBe(438);
    expect(getAttribute(response, Attr.Nonce)).toBeDefined();
  });

  it('keeps no state for unauthenticated Allocates: 10 000 of them leave no allocation, reservation or link', async () => {
    relay = await startRelay();
    const raw = await rawClient(relay.server);
    const request = unsignedAllocate();
    // In batches the socket buffers can hold, each answered before the next (UDP may still lose a few);
    // answers are counted as they come back, which is cheaper than scraping the metrics between batches.
    try {
      for (let batch = 1; batch <= 100; batch++) {
        for (let i = 0; i < 100; i++) raw.send(request);
        let last = -1;
        await until(
          () => {
            const settled = raw.heard === last;
            last = raw.heard;
            return raw.heard >= batch * 100 || settled;
          },
          5000,
          2,
        );
      }
    } finally {
      raw.close();
    }
    const answered = await relay.metric('vc_turn_requests_total{method="allocate",code="401"}');
    expect(answered).toBeGreaterThan(9_500);
    expect(raw.heard).toBeLessThanOrEqual(answered);
    // What a relay could keep per request or per client: all empty. The process's heap under this flood is the bench's
    // to measure.
    expect(await relay.metric('vc_turn_allocations')).toBe(0);
    expect(await relay.metric('vc_turn_reservations')).toBe(0);
    expect(await relay.metric('vc_turn_permissions')).toBe(0);
    expect(relay.relay.udpLinksKept).toBe(0);
  });
});

interface Auth {
  username: string;
  password: string;
  realm: string;
  nonce: string;
}

function unsignedAllocate(): Buffer {
  return new MessageBuilder(Method.Allocate, MessageClass.Request, randomTransactionId())
    .addRequestedTransport()
    .build();
}

/** A signed Allocate under a fresh transaction id, built once so that it can be sent again byte for byte. */
function signedAllocate(auth: Auth): Buffer {
  return new MessageBuilder(Method.Allocate, MessageClass.Request, randomTransactionId())
    .addRequestedTransport()
    .addString(Attr.Username, auth.username)
    .addString(Attr.Realm, auth.realm)
    .addString(Attr.Nonce, auth.nonce)
    .build({ integrityKey: longTermKey(auth.username, auth.realm, auth.password), fingerprint: true });
}

/** A bare UDP socket that sends exactly the bytes it is given, counts what comes back, and can await the next. */
async function rawClient(server: { address: string; port: number }) {
  const socket = createSocket('udp4');
  let heard = 0;
  socket.on('message', () => (heard += 1));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const send = (request: Buffer) => socket.send(request, server.port, server.address);
  return {
    send,
    get heard() {
      return heard;
    },
    exchange(request: Buffer): Promise<Buffer> {
      return new Promise((resolve, reject) => {
        const onMessage = (data: Buffer) => {
          clearTimeout(timer);
          resolve(Buffer.from(data));
        };
        const timer = setTimeout(() => {
          socket.off('message', onMessage);
          reject(new Error('no answer within 3 s'));
        }, 3000);
        socket.once('message', onMessage);
        send(request);
      });
    },
    close: () => socket.close(),
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3000, pollMs = 20): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
