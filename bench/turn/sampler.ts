/**
 * Watches a uclient run from outside, the same way for either relay:
 *
 * - when echo traffic flows: turnutils_peer does real work only when the
 *   relay hands it packets, so the stretches in which its CPU time grows are
 *   the stretches in which the relay delivers. uclient sends in bursts (up
 *   to 50 messages per client per 1-ms tick at -z 0), each client starting
 *   1–6 s after allocating, at random, and lingers 10 s after any loss; so
 *   the time the relay was delivering, not the run's wall time, is what
 *   says how fast a relay echoes.
 * - where datagrams were dropped: the per-socket drop counters of
 *   /proc/net/udp (a full receive buffer), grouped by whose socket it was.
 */
import { runNanos, socketInodes, udpSockets, type UdpSocket } from './procfs.js';

/** Fine enough to see a single client's burst of a few ms; one small /proc read each. */
const PEER_SAMPLE_MS = 2;
/**
 * The peer also wakes every 100 ms on a timer of its own, costing it 20–70 µs
 * of CPU each time on this machine; an interval counts as delivering only
 * when the peer ran longer than that.
 */
const ACTIVE_NANOS = 100_000;
/** Delivering intervals closer than this belong to one burst (a late uclient tick, a trickle between big reads). */
const MERGE_GAP_MS = 20;
/** Relayed sockets close when uclient ends; sampling while they exist is what records their drops. */
const SOCKET_SAMPLE_MS = 200;

export type SocketOwner = 'relay listener' | 'relayed sockets' | 'peer' | 'uclient';

export interface Observed {
  /** How long echo traffic was flowing: the summed length of the bursts in which the peer was busy. */
  deliveringMs: number;
  bursts: number;
  /** First to last moment the peer was busy. */
  spanMs: number;
  drops: Record<SocketOwner, number>;
}

export interface Layout {
  peerPid: number;
  peerPort: number;
  serverPort: number;
  relayAddress: string;
  relayPorts: { min: number; max: number };
}

export class RunSampler {
  private readonly peerTimer: NodeJS.Timeout;
  private readonly socketTimer: NodeJS.Timeout;
  private lastNanos: number;
  private lastAt = performance.now();
  private deliveringMs = 0;
  private bursts = 0;
  private first: number | undefined;
  private burst: { start: number; end: number } | undefined;
  /** Every socket's drop count when the run began (by inode), and the last reading of each socket of the run. */
  private readonly baseline = new Map<string, number>();
  private readonly latest = new Map<string, UdpSocket>();
  private uclientPid: number | undefined;
  private readonly uclientInodes = new Set<string>();

  constructor(private readonly layout: Layout) {
    this.lastNanos = runNanos(layout.peerPid);
    for (const socket of udpSockets()) this.baseline.set(socket.inode, socket.drops);
    this.peerTimer = setInterval(() => this.samplePeer(), PEER_SAMPLE_MS);
    this.socketTimer = setInterval(() => this.sampleSockets(), SOCKET_SAMPLE_MS);
  }

  private samplePeer(): void {
    const now = performance.now();
    const nanos = runNanos(this.layout.peerPid);
    if (nanos - this.lastNanos >= ACTIVE_NANOS) {
      this.first ??= this.lastAt;
      if (this.burst !== undefined && this.lastAt - this.burst.end <= MERGE_GAP_MS) this.burst.end = now;
      else {
        this.closeBurst();
        this.burst = { start: this.lastAt, end: now };
      }
    }
    this.lastNanos = nanos;
    this.lastAt = now;
  }

  /** uclient's sockets are known by its file descriptors, once it exists. */
  watchUclient(pid: number): void {
    this.uclientPid = pid;
  }

  private closeBurst(): void {
    if (this.burst === undefined) return;
    this.deliveringMs += this.burst.end - this.burst.start;
    this.bursts += 1;
  }

  private sampleSockets(): void {
    if (this.uclientPid !== undefined) for (const inode of socketInodes(this.uclientPid)) this.uclientInodes.add(inode);
    for (const socket of udpSockets()) {
      if (this.owner(socket) !== undefined) this.latest.set(socket.inode, socket);
    }
  }

  private owner(socket: UdpSocket): SocketOwner | undefined {
    const { peerPort, serverPort, relayAddress, relayPorts } = this.layout;
    if (socket.address === '127.0.0.1' && socket.port === serverPort) return 'relay listener';
    if (socket.address === '127.0.0.1' && socket.port === peerPort) return 'peer';
    if (socket.address === relayAddress && socket.port >= relayPorts.min && socket.port <= relayPorts.max)
      return 'relayed sockets';
    if (this.uclientInodes.has(socket.inode)) return 'uclient';
    return undefined;
  }

  stop(): Observed {
    clearInterval(this.peerTimer);
    clearInterval(this.socketTimer);
    this.samplePeer();
    this.sampleSockets();
    const drops: Record<SocketOwner, number> = { 'relay listener': 0, 'relayed sockets': 0, peer: 0, uclient: 0 };
    for (const socket of this.latest.values()) {
      const owner = this.owner(socket);
      if (owner !== undefined) drops[owner] += socket.drops - (this.baseline.get(socket.inode) ?? 0);
    }
    const spanMs = this.first === undefined || this.burst === undefined ? 0 : this.burst.end - this.first;
    this.closeBurst();
    this.burst = undefined;
    return { deliveringMs: this.deliveringMs, bursts: this.bursts, spanMs, drops };
  }
}
