/**
 * Every malformed input the codec meets is reported with this one type, so the
 * server can tell bad peer bytes (answer 400 or drop) from its own bugs.
 * `errorCode` is the STUN error a request carrying the bad value deserves:
 * 400 unless RFC 8656 names another (440 for an unknown address family).
 */
export class StunParseError extends Error {
  override readonly name = 'StunParseError';

  constructor(
    message: string,
    readonly errorCode = 400,
  ) {
    super(message);
  }
}
