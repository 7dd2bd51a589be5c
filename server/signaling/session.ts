/**
 * One WebSocket connection: its peer id, its room (once joined), its budgets
 * (frames and bytes, its own and its address's) and its logger. Sending goes
 * through here so a reader that stops reading is cut off instead of growing
 * the server's memory. The id, room and name change only through enter(),
 * leave() and rename(), so the logger bound to them cannot go stale; who the
 * socket is (name, role, user) only through enter() and hold().
 */
import WebSocket from 'ws';
import type { FastifyBaseLogger } from 'fastify';
import { CHAT_BURST, CHAT_PER_SECOND, type Peer, type Role, type ServerMessage } from '../../protocol/signaling.js';
import type { Config } from '../config.js';
import type { ClientAddress } from './addresses.js';
import type { MemberRecord } from './room-store.js';
import { ReadThrottle } from './read-throttle.js';
import { TokenBucket } from './token-bucket.js';
import { serialize, type Frame } from './outbound.js';

export interface SessionInit {
  /** Issued at connect; Sessions.rename replaces it with the previous id when a join resumes. */
  id: string;
  /** Names this socket to every node: `<node>/<serial>` (see MemberRecord.holder). */
  holder: string;
  socket: WebSocket;
  log: FastifyBaseLogger;
  /** The Host the client reached us by, for `{host}` in ICE server URLs. */
  host: string;
  /** The budgets this socket shares with the other sockets of its client address. */
  address: ClientAddress;
  config: Pick<
    Config,
    'rateLimitPerSecond' | 'rateLimitBurst' | 'rateLimitBytesPerSecond' | 'rateLimitBytesBurst' | 'maxBufferedBytes'
  >;
  /** Told each time the socket is paused for being over a byte budget. */
  onPause: () => void;
}

/** Who a socket is in its room, decided at join from its grant (and the name it sent, if the grant has none). */
export interface Identity {
  name: string;
  role: Role;
  /** The grant's user, whom a kick bans; undefined without a token. */
  user: string | undefined;
}

const NOBODY: Identity = { name: '', role: 'guest', user: undefined };

export class Session {
  readonly socket: WebSocket;
  readonly holder: string;
  readonly host: string;
  readonly address: ClientAddress;
  /** This socket's own frame budget; its byte budget lives in `throttle`. */
  readonly frames: TokenBucket;
  readonly throttle: ReadThrottle;
  /** Its chat budget, apart from its frame budget: a chat message costs every seat in the room a frame. */
  readonly chat = new TokenBucket(CHAT_PER_SECOND, CHAT_BURST);
  /** Set by pong or any inbound frame; cleared by each heartbeat tick. */
  alive = true;
  /** Frames refused by the rate limit in the current one-second window. */
  refusedInWindow = 0;
  refusalWindowStart = 0;
  /** True from its `join` until it is seated, waiting or refused: another `join` meanwhile is refused. */
  joining = false;
  private logger!: FastifyBaseLogger;
  private peerId: string;
  private currentRoom: string | undefined;
  private lobbyRoom: string | undefined;
  private who: Identity = NOBODY;
  private joinTimer: NodeJS.Timeout | undefined;
  private readonly connectionLog: FastifyBaseLogger;
  private readonly maxBufferedBytes: number;

  constructor({ id, holder, socket, log, host, address, config, onPause }: SessionInit) {
    this.peerId = id;
    this.holder = holder;
    this.socket = socket;
    this.host = host;
    this.address = address;
    this.connectionLog = log;
    this.maxBufferedBytes = config.maxBufferedBytes;
    this.frames = new TokenBucket(config.rateLimitPerSecond, config.rateLimitBurst);
    const bytes = new TokenBucket(config.rateLimitBytesPerSecond, config.rateLimitBytesBurst);
    this.throttle = new ReadThrottle(socket, [bytes, address.bytes], onPause);
    this.bindLog();
  }

  /** The socket's logger, bound to its peer id, and to the room while in one. */
  get log(): FastifyBaseLogger {
    return this.logger;
  }

  get id(): string {
    return this.peerId;
  }

  /** The room this socket holds a seat in, if any. */
  get room(): string | undefined {
    return this.currentRoom;
  }

  /** The room whose lobby it waits in, if any. */
  get waitingFor(): string | undefined {
    return this.lobbyRoom;
  }

  /** Its seat or its place in a lobby, as the room store keeps it. */
  get record(): MemberRecord {
    const { name, role, user } = this.who;
    const record: MemberRecord = { id: this.peerId, holder: this.holder, name, role };
    if (user !== undefined) record.user = user;
    return record;
  }

  /** The display name it joined its room with ('' when it gave none). */
  get name(): string {
    return this.who.name;
  }

  /** What it may send: only a `host` may send the host controls. */
  get role(): Role {
    return this.who.role;
  }

  /** Whom its token names: the user a kick bans. */
  get user(): string | undefined {
    return this.who.user;
  }

  get identity(): Identity {
    return this.who;
  }

  /** How the others see it; `role` is sent for hosts only, as a peer without one is a guest (as every 1.0 peer). */
  get peer(): Peer {
    const { name, role } = this.who;
    return role === 'host' ? { id: this.peerId, name, role } : { id: this.peerId, name };
  }

  /** Takes peer id `id`; only Sessions.rename calls this, so that its index of ids stays true. */
  rename(id: string): void {
    this.peerId = id;
    this.bindLog();
  }

  /** Records the seat the room store gave this socket, and who it is there; it no longer needs to join in time. */
  enter(room: string, who: Identity): void {
    this.clearJoinTimer();
    this.joining = false;
    this.currentRoom = room;
    this.lobbyRoom = undefined;
    this.who = who;
    this.bindLog();
  }

  /** Records the lobby this socket waits in, and who it is there; it no longer needs to join in time. */
  hold(room: string, who: Identity): void {
    this.clearJoinTimer();
    this.joining = false;
    this.lobbyRoom = room;
    this.who = who;
  }

  /** Forgets the lobby it waited in; returns that room, if any. */
  unhold(): string | undefined {
    const room = this.lobbyRoom;
    this.lobbyRoom = undefined;
    return room;
  }

  /** Forgets this socket's seat; returns the room it was in, if any. */
  leave(): string | undefined {
    const room = this.currentRoom;
    if (room === undefined) return undefined;
    this.currentRoom = undefined;
    this.bindLog();
    return room;
  }

  /** False from the moment the server (or the client) starts closing: nothing it sends is acted on. */
  get open(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(message: ServerMessage): void {
    this.sendFrame(serialize(message));
  }

  /** Sends a frame serialized once for many recipients. */
  sendFrame(frame: Frame): void {
    if (!this.open) return;
    if (this.socket.bufferedAmount > this.maxBufferedBytes) {
      // A close frame would queue behind the unread data, so cut the connection.
      this.log.warn({ buffered: this.socket.bufferedAmount }, 'dropping slow consumer');
      this.socket.terminate();
      return;
    }
    this.socket.send(frame);
  }

  close(code: number, reason: string): void {
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) {
      this.socket.close(code, reason);
    }
  }

  /** Starts (or restarts) the clock within which this socket must be in a room. */
  armJoinTimer(ms: number, onTimeout: () => void): void {
    this.clearJoinTimer();
    this.joinTimer = setTimeout(onTimeout, ms);
  }

  clearJoinTimer(): void {
    clearTimeout(this.joinTimer);
    this.joinTimer = undefined;
  }

  private bindLog(): void {
    const peerLog = this.connectionLog.child({ peer: this.peerId });
    this.logger = this.currentRoom === undefined ? peerLog : peerLog.child({ room: this.currentRoom });
  }
}
