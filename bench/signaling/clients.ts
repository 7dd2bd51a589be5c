/**
 * The load generators' side of the protocol: open rooms of two, send
 * timestamped signals, recognise relayed ones, and keep count of what went
 * wrong. Hot-path work is string concatenation and slicing, not JSON, to keep
 * the generator as cheap per message as it can be.
 */
import WebSocket from 'ws';
import {
  CANDIDATE_BYTES,
  CONNECT_BATCH,
  DRAIN_TIMEOUT_MS,
  OFFER_BYTES,
  OFFER_EVERY,
  SETUP_TIMEOUT_MS,
} from './params.js';

/**
 * Relayed frames start so with both servers: ours re-serialises `{type, from, data}`, the baseline forwards
 * the sender's text.
 */
const SIGNAL_PREFIX = '{"type":"signal"';
/** Precedes the send time inside the sdp or candidate string; the schema forbids extra fields. */
const STAMP = ' ts ';
/** The stamp and a send time such as `12345.678`, which padding leaves room for. */
const STAMP_CHARS = STAMP.length + 10;
const PLACEHOLDER = 'STAMP_PLACEHOLDER';

export class Client {
  private signals = 0;
  private readonly offer: [string, string];
  private readonly candidate: [string, string];

  constructor(
    readonly socket: WebSocket,
    peerId: string,
  ) {
    this.offer = offerFrame(peerId);
    this.candidate = candidateFrame(peerId);
  }

  /** Sends the next signal of the 20/80 mix to the peer, stamped with `now`. */
  send(now: number): void {
    this.signals += 1;
    const [head, tail] = this.signals % OFFER_EVERY === 0 ? this.offer : this.candidate;
    this.socket.send(head + now.toFixed(3) + tail);
  }
}

const offerFrame = (to: string) =>
  splitFrame({ description: { type: 'offer', sdp: sdp(OFFER_BYTES) + STAMP + PLACEHOLDER } }, to);
const candidateFrame = (to: string) =>
  splitFrame(
    { candidate: { candidate: candidate(CANDIDATE_BYTES) + STAMP + PLACEHOLDER, sdpMid: '0', sdpMLineIndex: 0 } },
    to,
  );

/** Bytes on the wire (payload only) of each kind of signal sent to a peer id as long as ours issues. */
export function frameBytes(): { offer: number; candidate: number } {
  const to = 'x'.repeat(16);
  const stamp = (12345.678).toFixed(3);
  const bytes = ([head, tail]: [string, string]) => Buffer.byteLength(head + stamp + tail);
  return { offer: bytes(offerFrame(to)), candidate: bytes(candidateFrame(to)) };
}

/** Prebuilt halves of a frame around its timestamp, so a send is one concatenation. */
function splitFrame(data: object, to: string): [string, string] {
  const [head, tail] = JSON.stringify({ type: 'signal', to, data }).split(PLACEHOLDER);
  if (head === undefined || tail === undefined) throw new Error('frame template lost its placeholder');
  return [head, tail];
}

/** A plausible data-channel offer padded to about `bytes` characters. */
function sdp(bytes: number): string {
  const lines = [
    'v=0',
    'o=- 4611731400430051336 2 IN IP4 127.0.0.1',
    's=-',
    't=0 0',
    'a=group:BUNDLE 0',
    'a=extmap-allow-mixed',
    'a=msid-semantic: WMS',
    'm=application 9 UDP/DTLS/SCTP webrtc-datachannel',
    'c=IN IP4 0.0.0.0',
    'a=ice-ufrag:Zp3q',
    'a=ice-pwd:x9cml/YzichV2+XlhiMu8g1k',
    'a=ice-options:trickle',
    'a=fingerprint:sha-256 D2:FA:0E:C3:22:59:5E:14:95:69:92:3D:13:B4:84:24:' +
      '2C:C2:A2:C0:3E:FD:34:8E:5E:EA:6F:AF:52:CE:E6:0F',
    'a=setup:actpass',
    'a=mid:0',
    'a=sctp-port:5000',
    'a=max-message-size:262144',
  ];
  const text = `${lines.join('\r\n')}\r\n`;
  const room = bytes - text.length - 'a=x-pad:\r\n'.length - STAMP_CHARS;
  return `${text}a=x-pad:${'x'.repeat(Math.max(0, room))}\r\n`;
}

/** A plausible server-reflexive candidate padded to about `bytes` characters. */
function candidate(bytes: number): string {
  const text =
    'candidate:842163049 1 udp 1677729535 203.0.113.7 54400 typ srflx raddr 192.168.1.10 rport 54400 ' +
    'generation 0 ufrag Zp3q network-id 1';
  const room = bytes - text.length - ' x-pad '.length - STAMP_CHARS;
  return `${text} x-pad ${'x'.repeat(Math.max(0, room))}`;
}

export function isSignal(text: string): boolean {
  return text.startsWith(SIGNAL_PREFIX);
}

/** The send time embedded by `Client.send`; parseFloat stops at the closing quote. */
export function readStamp(text: string): number {
  return Number.parseFloat(text.slice(text.lastIndexOf(STAMP) + STAMP.length));
}

/** Counts traffic and keeps the first few surprises for the report. */
export class Tally {
  sent = 0;
  received = 0;
  private readonly surprises: string[] = [];
  private surpriseCount = 0;

  surprise(what: string): void {
    this.surpriseCount += 1;
    if (this.surprises.length < 5) this.surprises.push(what.slice(0, 200));
  }

  unexpected(): string[] {
    const more = this.surpriseCount - this.surprises.length;
    return more > 0 ? [...this.surprises, `… and ${more} more`] : [...this.surprises];
  }

  /** Waits, boundedly, for every sent message to arrive; whatever has not by then is lost. */
  async drain(): Promise<void> {
    const deadline = performance.now() + DRAIN_TIMEOUT_MS;
    while (this.received < this.sent && performance.now() < deadline) await sleep(10);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Where the generators' sockets connect from; all of 127.0.0.0/8 is loopback. */
export interface Origin {
  localAddress?: string;
}

function connect(port: number, { localAddress }: Origin): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, {
    perMessageDeflate: false,
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  const opened = new Promise<WebSocket>((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
  return withTimeout(opened, 'connect').catch((error: unknown) => {
    socket.terminate();
    throw error;
  });
}

type Frame = { type: string; id?: string; peer?: { id: string }; peers?: { id: string }[] };

/** The next frame on `socket`, which must be of `type`. */
function expectFrame(socket: WebSocket, type: string): Promise<Frame> {
  const frame = new Promise<Frame>((resolve, reject) => {
    socket.once('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString()) as Frame;
      if (parsed.type === type) resolve(parsed);
      else reject(new Error(`expected "${type}", got ${data.toString().slice(0, 200)}`));
    });
  });
  return withTimeout(frame, `waiting for "${type}"`);
}

/** Sockets this process closed itself, so their close is not reported as a surprise. */
const closing = new WeakSet<WebSocket>();

/** Two sockets in room `bench-<index>` that know each other's ids, learnt the way a browser learns them. */
async function openRoom(port: number, index: number, tally: Tally, origin: Origin): Promise<[Client, Client]> {
  const [a, b] = await Promise.all([connect(port, origin), connect(port, origin)]);
  for (const [socket, side] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    socket.once('close', (code) => {
      if (!closing.has(socket)) tally.surprise(`room ${index}${side} closed by the server with ${code}`);
    });
  }
  a.send(JSON.stringify({ type: 'join', room: `bench-${index}`, name: `c${2 * index}` }));
  const welcomeA = await expectFrame(a, 'welcome');
  const peerJoined = expectFrame(a, 'peer-joined');
  b.send(JSON.stringify({ type: 'join', room: `bench-${index}`, name: `c${2 * index + 1}` }));
  const welcomeB = await expectFrame(b, 'welcome');
  const idOfB = (await peerJoined).peer?.id;
  const idOfA = welcomeB.peers?.[0]?.id;
  if (idOfA === undefined || idOfB === undefined || idOfA !== welcomeA.id || idOfB !== welcomeB.id) {
    throw new Error(`room ${index}: peers learnt inconsistent ids`);
  }
  return [new Client(a, idOfB), new Client(b, idOfA)];
}

/** Opens `rooms` rooms of two, CONNECT_BATCH sockets at a time; clients come back in room order, a then b. */
export async function openRooms(port: number, rooms: number, tally: Tally, origin: Origin = {}): Promise<Client[]> {
  const clients: Client[] = [];
  for (let first = 0; first < rooms; first += CONNECT_BATCH / 2) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH / 2, rooms - first) }, (_, i) =>
      openRoom(port, first + i, tally, origin),
    );
    for (const pair of await Promise.all(batch)) clients.push(...pair);
  }
  return clients;
}

/** Closes every client's socket and waits, boundedly, for the closing handshakes. */
export async function closeAll(clients: Client[]): Promise<void> {
  const closed = clients.map(({ socket }) => {
    closing.add(socket);
    return new Promise<void>((resolve) => {
      if (socket.readyState === WebSocket.CLOSED) return resolve();
      socket.once('close', () => resolve());
      socket.close(1000, 'bench done');
    });
  });
  await withTimeout(Promise.all(closed), 'closing sockets');
}
