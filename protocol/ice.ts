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
