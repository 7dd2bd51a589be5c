/**
 * ICE server descriptions as the browser's RTCPeerConnection takes them
 * (`RTCIceServer`).
 */
import { Type, type Static } from '@sinclair/typebox';

export const IceServer = Type.Object(
  {
    urls: Type.Union([Type.String(), Type.Array(Type.String())]),
    username: Type.Optional(Type.String()),
    credential: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

export type IceServer = Static<typeof IceServer>;

/**
 * `GET /api/ice-servers`: the TURN REST API response
 * (draft-uberti-behave-turn-rest-00: username, password, ttl, uris) and the
 * same servers as `RTCIceServer[]`, ready for `new RTCPeerConnection()`.
 * Without TURN configured, username and password are absent and `uris` empty.
 */
export const IceServersResponse = Type.Object(
  {
    username: Type.Optional(Type.String()),
    password: Type.Optional(Type.String()),
    ttl: Type.Integer({ minimum: 0 }),
    uris: Type.Array(Type.String()),
    iceServers: Type.Array(IceServer),
  },
  { additionalProperties: false },
);

export type IceServersResponse = Static<typeof IceServersResponse>;
