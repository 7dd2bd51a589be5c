/**
 * Signaling protocol v1 (minor 1.1: room tokens, roles, the lobby and host
 * controls; 1.2: server-unavailable, for servers sharing rooms; 1.3: chat): every message
 * that crosses `GET /ws`, defined once.
 * The schemas are JSON Schema (TypeBox); the TypeScript types are derived from
 * them, so the server's validator and both sides' types cannot drift apart.
 * This module imports nothing from server/ or web/.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IceServer } from './ice.js';
import { PROTOCOL_VERSION } from './version.js';

export { PROTOCOL_VERSION };

import { NAME_PATTERN, PEER_ID_PATTERN, RESUME_PATTERN, ROOM_PATTERN } from './patterns.js';

export { NAME_PATTERN, PEER_ID_PATTERN, RESUME_PATTERN, ROOM_PATTERN };

import { CHAT_BURST, CHAT_MAX_BYTES, CHAT_PER_SECOND } from './chat-limits.js';

export { CHAT_BURST, CHAT_MAX_BYTES, CHAT_PER_SECOND };

const RoomName = Type.String({ pattern: ROOM_PATTERN });
const DisplayName = Type.String({ pattern: NAME_PATTERN });
const PeerId = Type.String({ pattern: PEER_ID_PATTERN });

/** RTCSessionDescriptionInit as it travels; `sdp` bounded by the frame limit. */
export const SessionDescription = Type.Object(
  {
    type: Type.Union([
      Type.Literal('offer'),
      Type.Literal('answer'),
      Type.Literal('pranswer'),
      Type.Literal('rollback'),
    ]),
    sdp: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

/** RTCIceCandidateInit; an empty `candidate` string is the end-of-candidates marker. */
export const IceCandidate = Type.Object(
  {
    candidate: Type.String({ maxLength: 1024 }),
    sdpMid: Type.Optional(Type.Union([Type.String({ maxLength: 64 }), Type.Null()])),
    sdpMLineIndex: Type.Optional(Type.Union([Type.Integer({ minimum: 0, maximum: 65535 }), Type.Null()])),
    usernameFragment: Type.Optional(Type.Union([Type.String({ maxLength: 256 }), Type.Null()])),
  },
  { additionalProperties: false },
);

export const SignalData = Type.Union([
  Type.Object({ description: SessionDescription }, { additionalProperties: false }),
  Type.Object({ candidate: IceCandidate }, { additionalProperties: false }),
]);

/** What a room token's `role` claim grants: hosts may send the host controls; guests may not. */
export const ROLES = ['host', 'guest'] as const;
export type Role = (typeof ROLES)[number];
const RoleSchema = Type.Union(ROLES.map((role) => Type.Literal(role)));

/** `role` is new in 1.1; a 1.0 client reads only `id` and `name`. */
export const Peer = Type.Object(
  { id: PeerId, name: Type.String(), role: Type.Optional(RoleSchema) },
  { additionalProperties: false },
);

// Client → server

export const JoinMessage = Type.Object(
  {
    type: Type.Literal('join'),
    room: RoomName,
    name: Type.Optional(DisplayName),
    /** A room token (JWT). Its size is judged by the access check (reason `too-long`), within the frame limit. */
    token: Type.Optional(Type.String()),
    resume: Type.Optional(Type.String({ pattern: RESUME_PATTERN })),
    v: Type.Optional(Type.Integer({ minimum: 1 })),
  },
  { additionalProperties: false },
);

export const SignalMessage = Type.Object(
  { type: Type.Literal('signal'), to: PeerId, data: SignalData },
  { additionalProperties: false },
);

export const IceServersRequest = Type.Object({ type: Type.Literal('ice-servers') }, { additionalProperties: false });

export const LeaveMessage = Type.Object({ type: Type.Literal('leave') }, { additionalProperties: false });

// Host controls (1.1): only a session whose token says `role: host` may send these.

/** Lets a guest waiting in the lobby into the call. */
export const AdmitMessage = Type.Object({ type: Type.Literal('admit'), id: PeerId }, { additionalProperties: false });
/** Turns a guest waiting in the lobby away. */
export const DenyMessage = Type.Object({ type: Type.Literal('deny'), id: PeerId }, { additionalProperties: false });
/** Removes a peer from the call; its token's `sub` may not rejoin the room for a while. */
export const KickMessage = Type.Object({ type: Type.Literal('kick'), id: PeerId }, { additionalProperties: false });
/** Turns a peer's microphone off. There is no remote unmute. */
export const MuteMessage = Type.Object({ type: Type.Literal('mute'), id: PeerId }, { additionalProperties: false });
/** Locks or unlocks the room: while locked, guests who join wait in the lobby. */
export const LockMessage = Type.Object(
  { type: Type.Literal('lock'), locked: Type.Boolean() },
  { additionalProperties: false },
);

// Chat (1.3)

/**
 * 1.3: a chat message to everyone seated in the sender's room. `mid` numbers
 * the sender's messages (increasing per peer id, resumes included), so that
 * receivers can drop a message resent after a reconnect.
 */
export const ChatMessage = Type.Object(
  {
    type: Type.Literal('chat'),
    mid: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }),
    /** 1–CHAT_MAX_BYTES UTF-8 bytes, no control characters but \n and \t: judged by the server, with the `mid`. */
    text: Type.String(),
  },
  { additionalProperties: false },
);

/** Every client message, keyed by its `type`: the server validates against the one named. */
export const ClientMessageSchemas = {
  join: JoinMessage,
  signal: SignalMessage,
  'ice-servers': IceServersRequest,
  leave: LeaveMessage,
  admit: AdmitMessage,
  deny: DenyMessage,
  kick: KickMessage,
  mute: MuteMessage,
  lock: LockMessage,
  chat: ChatMessage,
} as const;

// Server → client

export const ERROR_CODES = [
  'bad-message',
  'too-large',
  'room-full',
  'not-joined',
  'already-joined',
  'unknown-peer',
  'rate-limited',
  'unauthorized',
  'unsupported-version',
  'join-timeout',
  'server-shutdown',
  /** 1.1: a guest sent a host control. Nothing else happens; its call goes on. */
  'forbidden',
  /** 1.1: a host removed this peer; the socket is closed with 4004. */
  'kicked',
  /** 1.1: a host turned this peer away from the lobby; the socket is closed with 4005. */
  'denied',
  /**
   * 1.2: the server cannot admit anyone now (its shared room store is
   * unreachable). Nothing else happens: the socket stays open, and the same
   * `join` may be sent again in a moment, or from another server.
   */
  'server-unavailable',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** 1.1: why a token was refused, in `error.reason` when `code` is `unauthorized`. */
export const UNAUTHORIZED_REASONS = [
  /** No token, where one is required. */
  'missing',
  /** Not a JWT, larger than the token size limit, or a required claim is absent or of the wrong type. */
  'malformed',
  /** The signature does not verify, or the algorithm is not one the server accepts (never `none`). */
  'bad-signature',
  /** `exp` has passed (beyond the clock skew). */
  'expired',
  /** `nbf` is still in the future (beyond the clock skew). */
  'not-yet-valid',
  /** The `room` claim does not cover the room asked for. */
  'wrong-room',
  /** `aud` or `iss` is not the configured one. */
  'wrong-audience',
  /** The `kid` names no configured key. */
  'unknown-key',
  /** `exp` is further from `iat` (or from now) than ROOM_TOKEN_MAX_LIFETIME_SECONDS. */
  'too-long',
  /** A host removed this token's user (`sub`) from the room a short while ago. */
  'kicked',
] as const;
export type UnauthorizedReason = (typeof UNAUTHORIZED_REASONS)[number];

export const WelcomeMessage = Type.Object({
  type: Type.Literal('welcome'),
  v: Type.Literal(PROTOCOL_VERSION),
  id: PeerId,
  room: RoomName,
  peers: Type.Array(Peer),
  iceServers: Type.Array(IceServer),
  ttl: Type.Integer({ minimum: 0 }),
  /** Send this back as `join.resume` after a reconnect to keep the same id and seat. */
  resume: Type.String({ pattern: RESUME_PATTERN }),
  /** True when this join kept the peer id its `resume` token was issued for. */
  resumed: Type.Boolean(),
  /** 1.1: what this peer may do: `host` may send the host controls. `guest` without a token. */
  role: Type.Optional(RoleSchema),
  /** 1.1: whether the room is locked (guests who join now wait in the lobby). */
  locked: Type.Optional(Type.Boolean()),
});

export const PeerJoinedMessage = Type.Object({ type: Type.Literal('peer-joined'), peer: Peer });
/**
 * `left`: the peer said `leave` or its socket closed with a close frame (a
 * closed tab sends 1001). `disconnected`: its connection was lost without one
 * (network loss, heartbeat timeout) or cut by a server error; it may come back
 * with its resume token, so a client may keep a working peer connection for a while.
 */
export const PeerLeftReason = Type.Union([Type.Literal('left'), Type.Literal('disconnected')]);
export const PeerLeftMessage = Type.Object({ type: Type.Literal('peer-left'), id: PeerId, reason: PeerLeftReason });
export const RelayedSignalMessage = Type.Object({ type: Type.Literal('signal'), from: PeerId, data: SignalData });
export const IceServersMessage = Type.Object({
  type: Type.Literal('ice-servers'),
  iceServers: Type.Array(IceServer),
  ttl: Type.Integer({ minimum: 0 }),
});
export const ErrorMessage = Type.Object({
  type: Type.Literal('error'),
  code: Type.Union(ERROR_CODES.map((code) => Type.Literal(code))),
  message: Type.String(),
  /** 1.1: with `unauthorized` only, why the token was refused. */
  reason: Type.Optional(Type.Union(UNAUTHORIZED_REASONS.map((reason) => Type.Literal(reason)))),
  /** 1.3: with a refused `chat`, the refused message's `mid`. */
  mid: Type.Optional(Type.Integer({ minimum: 1 })),
});

/**
 * 1.1: the answer to a `join` that must wait to be admitted (a `lobby: true`
 * token, or a guest joining a locked room). Sent again whenever `hostPresent`
 * changes. No ICE servers, no peers: those come with `welcome` on admission.
 */
export const LobbyMessage = Type.Object({
  type: Type.Literal('lobby'),
  id: PeerId,
  room: RoomName,
  /** Whether any host is in the room to let this guest in. */
  hostPresent: Type.Boolean(),
});
/** 1.1, to hosts: a guest is waiting in the lobby (also sent for each waiting guest when a host joins). */
export const KnockMessage = Type.Object({ type: Type.Literal('knock'), peer: Peer });
/** 1.1, to hosts: a guest no longer waits: `admitted` or `denied` by a host, or `left` the lobby. */
export const KnockEndedMessage = Type.Object({
  type: Type.Literal('knock-ended'),
  id: PeerId,
  outcome: Type.Union([Type.Literal('admitted'), Type.Literal('denied'), Type.Literal('left')]),
});
/** 1.1, to the peer a host muted: turn the microphone off and say who did it. */
export const MutedMessage = Type.Object({ type: Type.Literal('muted'), by: Peer });
/** 1.1, to everyone in the room: a host locked or unlocked it. */
export const RoomLockedMessage = Type.Object({ type: Type.Literal('room-locked'), locked: Type.Boolean(), by: Peer });

/** 1.3, to everyone seated in the room, the sender included (its acknowledgement): a chat message. */
export const RelayedChatMessage = Type.Object({
  type: Type.Literal('chat'),
  from: Peer,
  mid: Type.Integer({ minimum: 1 }),
  text: Type.String(),
  /** The server's clock when it relayed the message, in ms since the epoch. */
  ts: Type.Integer({ minimum: 0 }),
});

export const ServerMessage = Type.Union([
  WelcomeMessage,
  PeerJoinedMessage,
  PeerLeftMessage,
  RelayedSignalMessage,
  IceServersMessage,
  ErrorMessage,
  LobbyMessage,
  KnockMessage,
  KnockEndedMessage,
  MutedMessage,
  RoomLockedMessage,
  RelayedChatMessage,
]);

export type SessionDescription = Static<typeof SessionDescription>;
export type IceCandidate = Static<typeof IceCandidate>;
export type SignalData = Static<typeof SignalData>;
export type Peer = Static<typeof Peer>;
export type JoinMessage = Static<typeof JoinMessage>;
export type SignalMessage = Static<typeof SignalMessage>;
export type IceServersRequest = Static<typeof IceServersRequest>;
export type LeaveMessage = Static<typeof LeaveMessage>;
export type AdmitMessage = Static<typeof AdmitMessage>;
export type DenyMessage = Static<typeof DenyMessage>;
export type KickMessage = Static<typeof KickMessage>;
export type MuteMessage = Static<typeof MuteMessage>;
export type LockMessage = Static<typeof LockMessage>;
export type ChatMessage = Static<typeof ChatMessage>;
export type ClientMessage =
  | JoinMessage
  | SignalMessage
  | IceServersRequest
  | LeaveMessage
  | AdmitMessage
  | DenyMessage
  | KickMessage
  | MuteMessage
  | LockMessage
  | ChatMessage;
export type ClientMessageType = keyof typeof ClientMessageSchemas;
export type WelcomeMessage = Static<typeof WelcomeMessage>;
export type PeerJoinedMessage = Static<typeof PeerJoinedMessage>;
export type PeerLeftMessage = Static<typeof PeerLeftMessage>;
export type PeerLeftReason = Static<typeof PeerLeftReason>;
export type RelayedSignalMessage = Static<typeof RelayedSignalMessage>;
export type IceServersMessage = Static<typeof IceServersMessage>;
export type ErrorMessage = Static<typeof ErrorMessage>;
export type LobbyMessage = Static<typeof LobbyMessage>;
export type KnockMessage = Static<typeof KnockMessage>;
export type KnockEndedMessage = Static<typeof KnockEndedMessage>;
export type MutedMessage = Static<typeof MutedMessage>;
export type RoomLockedMessage = Static<typeof RoomLockedMessage>;
export type RelayedChatMessage = Static<typeof RelayedChatMessage>;
export type ServerMessage = Static<typeof ServerMessage>;
