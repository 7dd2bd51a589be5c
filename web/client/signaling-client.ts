/**
 * The signaling protocol's browser client, free of any UI: one WebSocket to
 * `/ws`, joined to one room, that reconnects with backoff and rejoins with
 * its resume token (so its peer id survives), and refreshes ICE servers
 * before their TTL runs out. docs/protocol.md is the contract it follows.
 */
import type {
  ClientMessage,
  ErrorCode,
  IceServersMessage,
  Peer,
  PeerLeftReason,
  RelayedSignalMessage,
  ServerMessage,
  SignalData,
  WelcomeMessage,
} from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';

export type SignalingStatus = 'connecting' | 'joined' | 'reconnecting' | 'closed';

export interface SignalingEvents {
  welcome(message: WelcomeMessage): void;
  peerJoined(peer: Peer): void;
  peerLeft(id: string, reason: PeerLeftReason): void;
  signal(message: RelayedSignalMessage): void;
  /** `scheduled`: the refresh before the TTL runs out, rather than an answer to refreshIceServers(). */
  iceServers(iceServers: IceServer[], scheduled: boolean): void;
  status(status: SignalingStatus): void;
  /** `fatal` errors stop the client; the others are reported and it carries on. */
  error(code: ErrorCode | 'server-unreachable', message: string, fatal: boolean): void;
}

export interface SignalingOptions {
  url: string;
  room: string;
  name?: string;
}

/** Close codes after which reconnecting would only repeat the failure, and what they mean. */
const FINAL_CLOSE_CODES = new Map<number, ErrorCode>([
  [1002, 'bad-message'],
  [1007, 'bad-message'],
  [CloseCode.MessageTooBig, 'too-large'],
  [CloseCode.JoinTimeout, 'join-timeout'],
  [CloseCode.RateLimited, 'rate-limited'],
  [CloseCode.UnsupportedVersion, 'unsupported-version'],
]);
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;

export class SignalingClient {
  private socket: WebSocket | undefined;
  private resume: string | undefined;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private iceWaiters: Array<(servers: IceServer[]) => void> = [];
  private scheduledRefreshPending = false;
  id: string | undefined;

  constructor(
    private readonly options: SignalingOptions,
    private readonly on: SignalingEvents,
  ) {}

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Leaves the room and closes for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    if (this.socket?.readyState === WebSocket.OPEN) this.send({ type: 'leave' });
    this.socket?.close(1000, 'left');
    this.socket = undefined;
    this.on.status('closed');
  }

  signal(to: string, data: SignalData): void {
    this.send({ type: 'signal', to, data });
  }

  /** Fresh ICE servers, for an ICE restart. */
  refreshIceServers(): Promise<IceServer[]> {
    return new Promise((resolve) => {
      this.iceWaiters.push(resolve);
      this.send({ type: 'ice-servers' });
    });
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  private open(): void {
    this.on.status(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const socket = new WebSocket(this.options.url);
    this.socket = socket;
    socket.onopen = () => {
      const { room, name } = this.options;
      this.send({ type: 'join', room, v: PROTOCOL_VERSION, ...(name ? { name } : {}), ...(this.resume ? { resume: this.resume } : {}) });
    };
    socket.onmessage = (event) => this.receive(JSON.parse(String(event.data)) as ServerMessage);
    socket.onclose = (event) => {
      if (this.socket !== socket) return;
      this.socket = undefined;
      clearTimeout(this.refreshTimer);
      if (this.stopped) return;
      const final = FINAL_CLOSE_CODES.get(event.code);
      if (final !== undefined) {
        this.stopped = true;
        this.on.error(final, `the server closed the connection (${event.code} ${event.reason})`, true);
        this.on.status('closed');
        return;
      }
      if (this.attempt === 0 && this.id === undefined) {
        this.on.error('server-unreachable', `cannot reach the signaling server at ${this.options.url}`, false);
      }
      this.scheduleRetry();
    };
  }

  private scheduleRetry(): void {
    this.attempt += 1;
    const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (this.attempt - 1));
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.on.status('reconnecting');
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.attempt = 0;
        this.id = message.id;
        this.resume = message.resume;
        this.scheduleRefresh(message.ttl);
        this.on.welcome(message);
        this.on.status('joined');
        break;
      case 'peer-joined':
        this.on.peerJoined(message.peer);
        break;
      case 'peer-left':
        this.on.peerLeft(message.id, message.reason);
        break;
      case 'signal':
        this.on.signal(message);
        break;
      case 'ice-servers':
        this.receiveIceServers(message);
        break;
      case 'error':
        this.receiveError(message.code, message.message);
        break;
    }
  }

  private receiveIceServers(message: IceServersMessage): void {
    this.scheduleRefresh(message.ttl);
    for (const resolve of this.iceWaiters.splice(0)) resolve(message.iceServers);
    const scheduled = this.scheduledRefreshPending;
    this.scheduledRefreshPending = false;
    this.on.iceServers(message.iceServers, scheduled);
  }

  private receiveError(code: ErrorCode, text: string): void {
    // Shutdown is followed by a 1001 close, which reconnects.
    if (code === 'server-shutdown') return;
    const fatal = code === 'room-full' || code === 'unauthorized' || code === 'unsupported-version';
    if (fatal) {
      this.stopped = true;
      this.socket?.close(1000, code);
      this.on.status('closed');
    }
    this.on.error(code, text, fatal);
  }

  /** Asks for fresh ICE servers at 80 % of their TTL, so TURN credentials never lapse mid-call. */
  private scheduleRefresh(ttlSeconds: number): void {
    clearTimeout(this.refreshTimer);
    if (ttlSeconds <= 0) return;
    this.refreshTimer = setTimeout(() => {
      this.scheduledRefreshPending = true;
      this.send({ type: 'ice-servers' });
    }, ttlSeconds * 800);
  }
}
