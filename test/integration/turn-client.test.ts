/**
 * turn/client against the bundled relay as its own process, over UDP, TCP
 * and TLS: every TURN method, both relay paths to a real UDP peer, and the
 * long-term-credential challenge answered once (401 on a first request,
 * 438 for a nonce the relay no longer honours).
 */
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RelayProcess } from '../helpers/relay-process.js';
import { testCertificate } from '../helpers/certificate.js';
import { isStunMessage, parseMessage, type StunMessage } from '../../turn/codec/message.js';
import { Attr } from '../../turn/codec/constants.js';
import type { TransportAddress } from '../../turn/codec/address.js';
import {
  StunErrorResponse,
  TurnClient,
  openTransport,
  responseCode,
  type Credentials,
  type FrameTransport,
  type ServerTarget,
} from '../../turn/client/index.js';
import type { IceTransport } from '../../protocol/ice-url.js';

const TIMEOUT_MS = 3000;

let relay: RelayProcess;
const clients: TurnClient[] = [];
afterEach(() => {
  for (const client of clients.splice(0)) client.close();
});

/** The real transport, with every STUN message the server sent kept for the test to read. */
async function recorded(target: ServerTarget): Promise<{ transport: FrameTransport; answers: StunMessage[] }> {
  const transport = await openTransport(target, TIMEOUT_MS, { insecure: true });
  const answers: StunMessage[] = [];
  transport.onFrame((frame) => {
    if (isStunMessage(frame)) answers.push(parseMessage(Buffer.from(frame)));
  });
  return { transport, answers };
}

async function connect(target: ServerTarget, credentials: Credentials) {
  const { transport, answers } = await recorded(target);
  const client = new TurnClient(transport, { credentials, timeoutMs: TIMEOUT_MS });
  clients.push(client);
  return { client, answers };
}

function udpTarget(port = relay.ports.udp): ServerTarget {
  return { host: '127.0.0.1', port, transport: 'UDP' };
}

async function udpPeer(): Promise<{ socket: Socket; address: TransportAddress; next(): Promise<string> }> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const next = () =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('the peer heard nothing')), TIMEOUT_MS);
      socket.once('message', (data) => {
        clearTimeout(timer);
        resolve(data.toString());
      });
    });
  return { socket, address: { family: 4, address: '127.0.0.1', port: socket.address().port }, next };
}

describe('turn/client with the relay process', () => {
  beforeAll(async () => {
    const certificate = await testCertificate();
    const tls = { TURN_TLS_PORT: '0', TURN_TLS_CERT: certificate.cert, TURN_TLS_KEY: certificate.key };
    relay = await RelayProcess.start(tls);
  });
  afterAll(() => relay?.stop());

  it.each<IceTransport>(['UDP', 'TCP', 'TLS'])(
    'over %s: allocates, relays both ways by Send/Data and by channel, refreshes and releases',
    async (transport) => {
      const port = { UDP: relay.ports.udp, TCP: relay.ports.tcp, TLS: relay.ports.tls! }[transport];
      const { client } = await connect({ host: '127.0.0.1', port, transport }, relay.credentials());
      const peer = await udpPeer();
      try {
        const allocation = await client.allocate({ lifetime: 300 });
        expect(allocation.relayed.address).toBe('127.0.0.2');
        expect(allocation.relayed.port).toBeGreaterThanOrEqual(relay.relayPorts.min);
        expect(allocation.relayed.port).toBeLessThanOrEqual(relay.relayPorts.max);
        expect(allocation.lifetime).toBe(600);
        expect(allocation.mapped?.address).toBe('127.0.0.1');
        await client.createPermission(peer.address);

        const heardSend = peer.next();
        client.send(peer.address, Buffer.from('by send'));
        expect(await heardSend).toBe('by send');
        const byData = client.nextData(TIMEOUT_MS);
        peer.socket.send('by data', allocation.relayed.port, allocation.relayed.address);
        expect(await byData).toMatchObject({ peer: peer.address, data: Buffer.from('by data'), channel: undefined });

        await client.channelBind(0x4000, peer.address);
        const heardChannel = peer.next();
        client.sendChannelData(0x4000, Buffer.from('by channel, odd length'));
        expect(await heardChannel).toBe('by channel, odd length');
        const byChannel = client.nextData(TIMEOUT_MS);
        peer.socket.send('back by channel', allocation.relayed.port, allocation.relayed.address);
        const back = { peer: peer.address, data: Buffer.from('back by channel'), channel: 0x4000 };
        expect(await byChannel).toMatchObject(back);

        expect(await client.refresh(900)).toBe(900);
        expect(await relay.metric('vc_turn_allocations')).toBe(1);
        await client.release();
        expect(await relay.metric('vc_turn_allocations')).toBe(0);
      } finally {
        peer.socket.close();
      }
    },
  );

  it('answers the first 401 with its realm and nonce in a new transaction, then signs unchallenged', async () => {
    const { client, answers } = await connect(udpTarget(), relay.credentials('first'));
    await client.allocate();
    await client.refresh(600);
    await client.release();
    expect(answers.map(responseCode)).toEqual([401, 200, 200, 200]);
    const ids = new Set(answers.map((answer) => answer.transactionId.toString('hex')));
    expect(ids.size).toBe(4);
    const challenge = answers[0]!.attributes.map((attribute) => attribute.type);
    expect(challenge).toEqual(expect.arrayContaining([Attr.Realm, Attr.Nonce]));
  });

  it('retries a 401 exactly once: wrong credentials end in StunErrorResponse 401', async () => {
    const mistyped = { ...relay.credentials('mistyped'), password: 'not the password' };
    const { client, answers } = await connect(udpTarget(), mistyped);
    const refused = await client.allocate().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(StunErrorResponse);
    expect(refused).toMatchObject({ method: 'Allocate', code: 401 });
    expect(answers.map(responseCode)).toEqual([401, 401]);
  });
});

describe('turn/client when the relay restarts', () => {
  let restarted: RelayProcess | undefined;
  afterAll(() => restarted?.stop());

  it('answers 438 for the nonce the old process gave with the new nonce, once', async () => {
    const first = await RelayProcess.start();
    const port = first.ports.udp;
    const { client, answers } = await connect(udpTarget(port), first.credentials('restarted'));
    try {
      await client.allocate();
    } finally {
      await first.stop();
    }
    // A new process signs nonces with a new key, so the one the client holds is stale there.
    restarted = await RelayProcess.start({ TURN_PORT: String(port) });
    await client.allocate();
    expect(answers.map(responseCode)).toEqual([401, 200, 438, 200]);
    expect(await restarted.metric('vc_turn_auth_failures_total{reason="stale-nonce"}')).toBe(1);
    await client.release();
  });
});
