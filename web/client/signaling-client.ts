/**
 * The signaling protocol's browser client, free of any UI: one WebSocket to
 * `/ws`, joined to one room, that reconnects with backoff and rejoins with
 * its resume token (so its peer id survives), and refreshes ICE servers
 * before their TTL runs out. It carries the room token in `join`, waits in
 * the lobby when the server says so, sends a host's controls, and carries
 * chat messages (what they mean to the user is web/chat/'s business).
 * docs/protocol.md is the contract it follows.
 */
import type {
  AdmitMessage,
  ClientMessage,
  DenyMessage,
  ErrorCode,
  ErrorMessage,
  IceServersMessage,
  KickMessage,
  KnockEndedMessage,
  LobbyMessage,
  LockMessage,
  MuteMessage,
  Peer,
  PeerLeftReason,
  RelayedChatMessage,
  RelayedSignalMessage,
  ServerMessage,
  SignalData,
  UnauthorizedReason,
  WelcomeMessage,
} from '../../protocol/signaling.js';
import type { IceServer } from '../../protocol/ice.js';
import { CloseCode } from '../../protocol/close-codes.js';
import { PROTOCOL_VERSION } from '../../protocol/version.js';
import { openBrowserSocket, SOCKET_OPEN, type OpenSocket, type SignalingSocket } from './browser-socket.js';
import { IceServerRequests } from './ice-server-requests.js';
import { parseServerMessage } from './server-message.js';

/** `lobby`: the server answered the join with `lobby`; the client waits there to be admitted. */
export type SignalingStatus = 'connecting' | 'lobby' | 'joined' | 'reconnecting' | 'closed';

/** What a host may send about the room and the peers in it (the server refuses a guest with `forbidden`). */
export type HostControl = AdmitMessage | DenyMessage | KickMessage | MuteMessage | LockMessage;

export interface SignalingEvents {
  welcome(message: WelcomeMessage): void;
  peerJoined(peer: Peer): void;
  peerLeft(id: string, reason: PeerLeftReason): void;
  signal(message: RelayedSignalMessage): void;
  /** `scheduled`: the refresh before the TTL runs out, rather than an answer to refreshIceServers(). */
  iceServers(iceServers: IceServer[], scheduled: boolean): void;
  /** Waiting to be admitted; sent again whenever `hostPresent` changes. */
  lobby(message: LobbyMessage): void;
  /** To hosts: a guest waits in the lobby. */
  knock(peer: Peer): void;
  knockEnded(id: string, outcome: KnockEndedMessage['outcome']): void;
  /** A host muted this side. */
  muted(by: Peer): void;
  roomLocked(locked: boolean, by: Peer): void;
  /**
   * What the chat needs to hear (web/chat/), in the order it happens: a chat message of the room, this
   * side's own included (its acknowledgement); a refusal of this side's message `mid` (not reported as
   * error(): nothing else happened); and after each welcome whether the peer id survived.
   */
  chat?(event: ChatEvent): void;
  status(status: SignalingStatus): void;
  /**
   * `fatal` errors stop the client; the others are reported and it carries on.
   * `reason` says why a token was refused, with `unauthorized` only.
   */
  error(code: ErrorCode | 'server-unreachable', message: string, fatal: boolean, reason?: UnauthorizedReason): void;
}

export type ChatEvent = ['chat', RelayedChatMessage] | ['refused', number, ErrorCode] | ['welcome', boolean];

export interface SignalingOptions {
  url: string;
  room: string;
  name?: string;
  /**
   * The room token, read at every join (reconnects included), so a token
   * changed meanwhile is the one the next join carries.
   */
  token?: () => string | undefined;
  /** How the socket is opened: the browser's WebSocket unless a test puts a fake in. */
  socket?: OpenSocket;
  /** How long refreshIceServers() waits for the answer before it rejects. */
  iceServersTimeoutMs?: number;
}

/** Close codes after which reconnecting would only repeat the failure, and what they mean. */
const FINAL_CLOSE_CODES = new Map<number, ErrorCode>([
  [1002, 'bad-message'],
  [1007, 'bad-message'],
  [CloseCode.MessageTooBig, 'too-large'],
  [CloseCode.JoinTimeout, 'join-timeout'],
  [CloseCode.RateLimited, 'rate-limited'],
  [CloseCode.UnsupportedVersion, 'unsupported-version'],
  [CloseCode.Unauthorized, 'unauthorized'],
  [CloseCode.Kicked, 'kicked'],
  [CloseCode.Denied, 'denied'],
]);
/** Errors after which the server will not have this client (it closes the socket, or the client does). */
const FATAL_ERRORS = new Set<ErrorCode>(['room-full', 'unauthorized', 'unsupported-version', 'kicked', 'denied']);
const BACKOFF_MIN_MS = 500;
const BACKOFF_MAX_MS = 15_000;
/** An ICE restart waits this long for fresh servers at most, then goes on with the ones it has. */
const ICE_SERVERS_TIMEOUT_MS = 5_000;

/** The wait before reconnect attempt `attempt` (1, 2, …): exponential, capped, jittered over its upper half. */
export function backoffDelay(attempt: number, random: number): number {
  const ceiling = Math.min(BACKOFF_MAX_MS, BACKOFF_MIN_MS * 2 ** (attempt - 1));
  return ceiling / 2 + random * (ceiling / 2);
}

export class SignalingClient {
  private socket: SignalingSocket | undefined;
  /** True from `welcome` until the socket closes: requests can be answered. */
  private joined = false;
  private resume: string | undefined;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  private readonly iceRequests: IceServerRequests;
  private scheduledRefreshPending = false;
  id: string | undefined;

  constructor(
    private readonly options: SignalingOptions,
    private readonly on: SignalingEvents,
  ) {
    this.iceRequests = new IceServerRequests(options.iceServersTimeoutMs ?? ICE_SERVERS_TIMEOUT_MS);
  }

  start(): void {
    this.stopped = false;
    this.open();
  }

  /** Leaves the room and closes for good. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.refreshTimer);
    if (this.socket?.readyState === SOCKET_OPEN) this.send({ type: 'leave' });
    this.socket?.close(1000, 'left');
    this.socket = undefined;
    this.joined = false;
    this.iceRequests.rejectAll('the signaling client stopped');
    this.on.status('closed');
  }

  signal(to: string, data: SignalData): void {
    this.send({ type: 'signal', to, data });
  }

  /**
   * Fresh ICE servers, for an ICE restart. Rejects when the client is not
   * joined (nobody could answer), when the socket closes or the client stops
   * before the answer, and after `iceServersTimeoutMs` without one.
   */
  refreshIceServers(): Promise<IceServer[]> {
    if (!this.joined) return Promise.reject(new Error('signaling is not connected'));
    return this.iceRequests.add(() => this.send({ type: 'ice-servers' }));
  }

  /**
   * Sends a chat message while joined; nothing otherwise (before a welcome
   * the server would refuse it): the caller sends again what the server has
   * not echoed, after the next resumed welcome.
   */
  chat(mid: number, text: string): void {
    if (this.joined) this.send({ type: 'chat', mid, text });
  }

  /** Sends a host control while the socket is open; the server judges whether this client may. */
  control(message: HostControl): void {
    this.send(message);
  }

  private send(message: ClientMessage): void {
    if (this.socket?.readyState === SOCKET_OPEN) this.socket.send(JSON.stringify(message));
  }

  private open(): void {
    this.on.status(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const openSocket = this.options.socket ?? openBrowserSocket;
    const socket = openSocket(this.options.url, {
      open: () => {
        const { room, name } = this.options;
        const token = this.options.token?.();
        this.send({
          type: 'join',
          room,
          v: PROTOCOL_VERSION,
          ...(name ? { name } : {}),
          ...(token ? { token } : {}),
          ...(this.resume ? { resume: this.resume } : {}),
        });
      },
      message: (data) => this.receiveFrame(data),
      close: (code, reason) => {
        if (this.socket === socket) this.closed(code, reason);
      },
    });
    this.socket = socket;
  }

  private closed(code: number, reason: string): void {
    this.socket = undefined;
    this.joined = false;
    clearTimeout(this.refreshTimer);
    this.iceRequests.rejectAll(`the signaling connection closed (${code})`);
    if (this.stopped) return;
    const final = FINAL_CLOSE_CODES.get(code);
    if (final !== undefined) {
      this.stopped = true;
      this.on.error(final, `the server closed the connection (${code} ${reason})`, true);
      this.on.status('closed');
      return;
    }
    if (this.attempt === 0 && this.id === undefined) {
      this.on.error('server-unreachable', `cannot reach the signaling server at ${this.options.url}`, false);
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    this.attempt += 1;
    const delay = backoffDelay(this.attempt, Math.random());
    this.on.status('reconnecting');
    this.retryTimer = setTimeout(() => this.open(), delay);
  }

  /** A frame the client cannot read is dropped and reported; the connection goes on. */
  private receiveFrame(data: unknown): void {
    const frame = parseServerMessage(data);
    if (frame.ok) this.receive(frame.message);
    else this.on.error('bad-message', `the server sent ${frame.reason}; it was ignored`, false);
  }

  private receive(message: ServerMessage): void {
    switch (message.type) {
      case 'welcome':
        this.attempt = 0;
        this.joined = true;
        this.id = message.id;
        this.resume = message.resume;
        this.scheduleRefresh(message.ttl);
        this.on.welcome(message);
        this.on.chat?.(['welcome', message.resumed]);
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
        this.receiveError(message);
        break;
      case 'lobby':
        // The server answered: a later drop starts its backoff over, as after a welcome.
        this.attempt = 0;
        this.id = message.id;
        this.on.lobby(message);
        this.on.status('lobby');
        break;
      case 'knock':
        this.on.knock(message.peer);
        break;
      case 'knock-ended':
        this.on.knockEnded(message.id, message.outcome);
        break;
      case 'muted':
        this.on.muted(message.by);
        break;
      case 'room-locked':
        this.on.roomLocked(message.locked, message.by);
        break;
      case 'chat':
        this.on.chat?.(['chat', message]);
        break;
    }
  }

  private receiveIceServers(message: IceServersMessage): void {
    this.scheduleRefresh(message.ttl);
    this.iceRequests.resolveAll(message.iceServers);
    const scheduled = this.scheduledRefreshPending;
    this.scheduledRefreshPending = false;
    this.on.iceServers(message.iceServers, scheduled);
  }

  private receiveError({ code, message: text, reason, mid }: ErrorMessage): void {
    // A refused chat message (mids start at 1): only the chat is told.
    if (mid) return this.on.chat?.(['refused', mid, code]);
    // Shutdown is followed by a 1001 close, which reconnects.
    if (code === 'server-shutdown') return;
    // The server cannot seat anyone now (in shared mode, its Redis is away): try again after the backoff, where the
    // load balancer sends us, which may be another server. Joined, it only refused one request; the call goes on.
    if (code === 'server-unavailable' && !this.joined) this.socket?.close(1000, code);
    // Once joined, room-full answers a host's admit into a full room: the guest waits on, the host's call goes on.
    const fatal = FATAL_ERRORS.has(code) && !(code === 'room-full' && this.joined);
    if (fatal) {
      this.stopped = true;
      this.joined = false;
      this.socket?.close(1000, code);
      this.iceRequests.rejectAll(`the server refused the client (${code})`);
      this.on.status('closed');
    }
    this.on.error(code, text, fatal, code === 'unauthorized' ? reason : undefined);
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
