/**
 * The cluster bench's clients: rooms of two whose peers may sit on two
 * different nodes, and one message shape, an ICE candidate signal carrying
 * its send time. Counting and draining are the signaling bench's (Tally).
 */
import WebSocket from 'ws';
import { Tally } from '../signaling/clients.js';
import { CANDIDATE_BYTES, CONNECT_BATCH, SETUP_TIMEOUT_MS } from '../signaling/params.js';

/** Where the two peers of every room connect: one port for single-node rounds, two for cross-node. */
export interface Ports {
  a: number;
  b: number;
}

/** Ends the candidate string; the send time follows. The schema forbids extra fields, so it rides inside. */
const STAMP = ' ts ';
const PLACEHOLDER = 'STAMP_PLACEHOLDER';

/** A plausible server-reflexive candidate of about CANDIDATE_BYTES characters, as the signaling bench sends. */
function candidateText(): string {
  const text =
    'candidate:842163049 1 udp 1677729535 203.0.113.7 54400 typ srflx raddr 192.168.1.10 rport 54400 ' +
    'generation 0 ufrag Zp3q network-id 1';
  // The send time is about 10 characters, e.g. 12345.678.
  const room = CANDIDATE_BYTES - text.length - ' x-pad '.length - STAMP.length - 10;
  return `${text} x-pad ${'x'.repeat(Math.max(0, room))}`;
}

/** The frame to `to` split around its send time, so a send is one concatenation. */
function candidateFrame(to: string): [string, string] {
  const frame = JSON.stringify({
    type: 'signal',
    to,
    data: { candidate: { candidate: candidateText() + STAMP + PLACEHOLDER, sdpMid: '0', sdpMLineIndex: 0 } },
  });
  const [head, tail] = frame.split(PLACEHOLDER);
  if (head === undefined || tail === undefined) throw new Error('frame template lost its placeholder');
  return [head, tail];
}

/** Bytes of one candidate frame on the wire (payload only) to a peer id as long as the server issues. */
export function candidateFrameBytes(): number {
  const [head, tail] = candidateFrame('x'.repeat(16));
  return Buffer.byteLength(head + (12345.678).toFixed(3) + tail);
}

export class Client {
  private readonly frame: [string, string];

  constructor(
    readonly socket: WebSocket,
    peerId: string,
  ) {
    this.frame = candidateFrame(peerId);
  }

  /** Sends a candidate to the peer, stamped with `now`. */
  send(now: number): void {
    this.socket.send(this.frame[0] + now.toFixed(3) + this.frame[1]);
  }
}

/**
 * The send time of a relayed candidate signal, or undefined for any other frame. Parsed as JSON rather
 * than sliced: a cross-node relay may serialise the frame differently, and at the latency workload's rate
 * the generator can afford it.
 */
export function sentAt(text: string): number | undefined {
  const frame = JSON.parse(text) as { type?: string; data?: { candidate?: { candidate?: string } } };
  const candidate = frame.type === 'signal' ? frame.data?.candidate?.candidate : undefined;
  if (candidate === undefined) return undefined;
  return Number.parseFloat(candidate.slice(candidate.lastIndexOf(STAMP) + STAMP.length));
}

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${SETUP_TIMEOUT_MS} ms`)), SETUP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function connect(port: number): Promise<WebSocket> {
  const socket = new WebSocket(`ws://127.0.0.1:${port}/ws`, { perMessageDeflate: false });
  const opened = new Promise<WebSocket>((resolve, reject) => {
    socket.once('open', () => resolve(socket));
    socket.once('error', reject);
  });
  return withTimeout(opened, `connect to ${port}`).catch((error: unknown) => {
    socket.terminate();
    throw error;
  });
}

type Frame = { type: string; id?: string; peer?: { id: string }; peers?: { id: string }[] };

/** The next frame on `socket`, which must be of `type`. */
function expectFrame(socket: WebSocket, type: string, where: string): Promise<Frame> {
  const frame = new Promise<Frame>((resolve, reject) => {
    socket.once('message', (data: Buffer) => {
      const parsed = JSON.parse(data.toString()) as Frame;
      if (parsed.type === type) resolve(parsed);
      else reject(new Error(`${where}: expected "${type}", got ${data.toString().slice(0, 200)}`));
    });
  });
  return withTimeout(frame, `${where}: waiting for "${type}"`);
}

/**
 * Room `cluster-<index>`: a joins through `ports.a`, then b through `ports.b`, and each learns the other's
 * id the way a browser does, so in a cross-node room both `peer-joined` and `welcome.peers` crossed Redis.
 */
async function openRoom(ports: Ports, index: number, tally: Tally): Promise<[Client, Client]> {
  const [a, b] = await Promise.all([connect(ports.a), connect(ports.b)]);
  for (const [socket, side] of [
    [a, 'a'],
    [b, 'b'],
  ] as const) {
    socket.once('close', (code) => tally.surprise(`room ${index}${side} closed by the server with ${code}`));
  }
  const room = `cluster-${index}`;
  a.send(JSON.stringify({ type: 'join', room, name: `c${2 * index}` }));
  const welcomeA = await expectFrame(a, 'welcome', `${room}a`);
  const peerJoined = expectFrame(a, 'peer-joined', `${room}a`);
  b.send(JSON.stringify({ type: 'join', room, name: `c${2 * index + 1}` }));
  const welcomeB = await expectFrame(b, 'welcome', `${room}b`);
  const idOfB = (await peerJoined).peer?.id;
  const idOfA = welcomeB.peers?.[0]?.id;
  if (idOfA === undefined || idOfB === undefined || idOfA !== welcomeA.id || idOfB !== welcomeB.id) {
    throw new Error(`${room}: peers learnt inconsistent ids`);
  }
  return [new Client(a, idOfB), new Client(b, idOfA)];
}

/** Opens `rooms` rooms of two, CONNECT_BATCH sockets at a time; clients come back in room order, a then b. */
export async function openRooms(ports: Ports, rooms: number, tally: Tally): Promise<Client[]> {
  const clients: Client[] = [];
  for (let first = 0; first < rooms; first += CONNECT_BATCH / 2) {
    const batch = Array.from({ length: Math.min(CONNECT_BATCH / 2, rooms - first) }, (_, i) =>
      openRoom(ports, first + i, tally),
    );
    for (const pair of await Promise.all(batch)) clients.push(...pair);
  }
  return clients;
}

/** Load child: the two ports, passed as the first two arguments. */
export function portsArgument(): Ports {
  const [a = 0, b = 0] = process.argv.slice(2, 4).map(Number);
  if (!Number.isInteger(a) || !Number.isInteger(b) || a <= 0 || b <= 0) {
    throw new Error(`expected two port arguments, got "${process.argv.slice(2, 4).join(' ')}"`);
  }
  return { a, b };
}
