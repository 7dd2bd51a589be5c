/** Fixed value at bytes 4–7 of every RFC 5389+ STUN message; also the XOR mask for addresses. */
export const MAGIC_COOKIE = 0x2112a442;

/** STUN methods used by a TURN server (IANA "STUN Methods"). */
export const Method = {
  Binding: 0x001,
  Allocate: 0x003,
  Refresh: 0x004,
  Send: 0x006,
  Data: 0x007,
  CreatePermission: 0x008,
  ChannelBind: 0x009,
} as const;

export const MessageClass = {
  Request: 0,
  Indication: 1,
  SuccessResponse: 2,
  ErrorResponse: 3,
} as const;

/**
 * Attribute types (IANA "STUN Attributes"). Types below 0x8000 are
 * comprehension-required: a request carrying one the server does not
 * understand must be answered with 420 and UNKNOWN-ATTRIBUTES.
 */
export const Attr = {
  MappedAddress: 0x0001,
  Username: 0x0006,
  MessageIntegrity: 0x0008,
  ErrorCode: 0x0009,
  UnknownAttributes: 0x000a,
  ChannelNumber: 0x000c,
  Lifetime: 0x000d,
  XorPeerAddress: 0x0012,
  Data: 0x0013,
  Realm: 0x0014,
  Nonce: 0x0015,
  XorRelayedAddress: 0x0016,
  RequestedAddressFamily: 0x0017,
  EvenPort: 0x0018,
  RequestedTransport: 0x0019,
  DontFragment: 0x001a,
  MessageIntegritySha256: 0x001c,
  PasswordAlgorithm: 0x001d,
  Userhash: 0x001e,
  XorMappedAddress: 0x0020,
  ReservationToken: 0x0022,
  Priority: 0x0024,
  UseCandidate: 0x0025,
  AdditionalAddressFamily: 0x8000,
  AddressErrorCode: 0x8001,
  PasswordAlgorithms: 0x8002,
  AlternateDomain: 0x8003,
  Software: 0x8022,
  AlternateServer: 0x8023,
  Fingerprint: 0x8028,
  IceControlled: 0x8029,
  IceControlling: 0x802a,
} as const;

/** Reason phrases as RFC 8489 §14.8 and RFC 8656 §19 spell them (401 was "Unauthorized" before RFC 8489). */
export const ErrorReason: Record<number, string> = {
  300: 'Try Alternate',
  400: 'Bad Request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  420: 'Unknown Attribute',
  437: 'Allocation Mismatch',
  438: 'Stale Nonce',
  440: 'Address Family not Supported',
  441: 'Wrong Credentials',
  442: 'Unsupported Transport Protocol',
  443: 'Peer Address Family Mismatch',
  486: 'Allocation Quota Reached',
  500: 'Server Error',
  508: 'Insufficient Capacity',
};

/**
 * Longest USERNAME, REALM, NONCE, SOFTWARE or reason phrase a receiver must
 * accept: senders stay under 128 characters (509 bytes), but RFC 8489 keeps
 * RFC 5389's 763-byte decoding limit for compatibility.
 */
export const MAX_STRING_BYTES = 763;

/** Longest USERNAME a receiver must accept (RFC 8489 §14.3 keeps RFC 5389's 513 bytes). */
export const MAX_USERNAME_BYTES = 513;

/** IANA protocol numbers, as REQUESTED-TRANSPORT carries them; TURN relays only UDP (RFC 8656 §14.7). */
export const TransportProtocol = {
  TCP: 6,
  UDP: 17,
} as const;

export const HEADER_BYTES = 20;

/** Attributes and ChannelData frames are padded to 4-byte boundaries. */
export function padTo4(length: number): number {
  return (length + 3) & ~3;
}
