/**
 * WebSocket close codes the signaling server uses. 1000–1015 are RFC 6455's;
 * 4000–4999 are reserved by RFC 6455 for applications and are ours.
 * A client should rejoin after 1001/1006/1011 (with backoff), and not after
 * the 4xxx codes below without changing what it does.
 */
export const CloseCode = {
  /** The server is shutting down or restarting; reconnect with backoff. */
  GoingAway: 1001,
  /** A frame exceeded the hard size limit (4 × the frame limit). */
  MessageTooBig: 1009,
  /** An unexpected server error; reconnect with backoff. */
  InternalError: 1011,
  /** The socket did not send a valid `join` within the join timeout. */
  JoinTimeout: 4000,
  /** The socket kept sending after being told `rate-limited`. */
  RateLimited: 4001,
  /** The client asked for a protocol version this server does not speak. */
  UnsupportedVersion: 4002,
  /** 1.1: the `join` was refused for its token (`error` `unauthorized` says why); get a new token first. */
  Unauthorized: 4003,
  /** 1.1: a host removed this peer from the room. */
  Kicked: 4004,
  /** 1.1: a host turned this peer away from the lobby. */
  Denied: 4005,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
