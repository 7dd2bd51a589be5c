/**
 * Signaling protocol v1: every message that crosses `GET /ws`, defined once.
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

export const Peer = Type.Object({ id: PeerId, name: Type.String() }, { additionalProperties: false });

// Client → server

export const JoinMessage = Type.Object(
  {
    type: Type.Literal('join'),
    room: RoomName,
    name: Type.Optional(DisplayName),
    token: Type.Optional(Type.String({ maxLength: 2048 })),
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

/** Every client message, keyed by its `type`: the server validates against the one named. */
export const ClientMessageSchemas = {
  join: JoinMessage,
  signal: SignalMessage,
  'ice-servers': IceServersRequest,
  leave: LeaveMessage,
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
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

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
});

export const ServerMessage = Type.Union([
  WelcomeMessage,
  PeerJoinedMessage,
  PeerLeftMessage,
  RelayedSignalMessage,
  IceServersMessage,
  ErrorMessage,
]);

export type SessionDescription = Static<typeof SessionDescription>;
export type IceCandidate = Static<typeof IceCandidate>;
export type SignalData = Static<typeof SignalData>;
export type Peer = Static<typeof Peer>;
export type JoinMessage = Static<typeof JoinMessage>;
export type SignalMessage = Static<typeof SignalMessage>;
export type IceServersRequest = Static<typeof IceServersRequest>;
export type LeaveMessage = Static<typeof LeaveMessage>;
export type ClientMessage = JoinMessage | SignalMessage | IceServersRequest | LeaveMessage;
export type ClientMessageType = keyof typeof ClientMessageSchemas;
export type WelcomeMessage = Static<typeof WelcomeMessage>;
export type PeerJoinedMessage = Static<typeof PeerJoinedMessage>;
export type PeerLeftMessage = Static<typeof PeerLeftMessage>;
export type PeerLeftReason = Static<typeof PeerLeftReason>;
export type RelayedSignalMessage = Static<typeof RelayedSignalMessage>;
export type IceServersMessage = Static<typeof IceServersMessage>;
export type ErrorMessage = Static<typeof ErrorMessage>;
export type ServerMessage = Static<typeof ServerMessage>;
